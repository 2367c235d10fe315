// pare under mpirun, end to end: a rank killed in the middle of a run ends the whole job with a
// clear error and no hang, its last checkpoint is whole and resumes on another number of ranks (one)
// to the masks of an uninterrupted run, and speed-up surgery under mpirun writes what one process
// writes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/child_process.h"
#include "tests/test_support.h"  // ScratchDir, read_bytes, has
#include "tests/tiny_prune_job.h"
#include "train/trainer_state.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

#ifdef PARE_MPIRUN
// mpirun with `ranks` ranks of pare `arguments`.
pid_t start_job(int ranks, const std::vector<std::string>& arguments, const fs::path& log) {
  std::vector<std::string> argv{"-np", std::to_string(ranks)};
  std::istringstream flags(PARE_MPIRUN_FLAGS);
  for (std::string flag; flags >> flag;) argv.push_back(flag);
  argv.push_back(PARE_BINARY);
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return testing::start_program(
      PARE_MPIRUN, argv, log,
      {{"OMPI_ALLOW_RUN_AS_ROOT", "1"}, {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"}, {"OMP_NUM_THREADS", "1"}});
}

// The pare processes mpirun `job` started (its children), by /proc.
std::vector<pid_t> ranks_of(pid_t job) {
  std::vector<pid_t> ranks;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string pid, command, state;
    pid_t parent = 0;
    if (stat >> pid >> command >> state >> parent && parent == job && command == "(pare)") {
      ranks.push_back(std::stoi(pid));
    }
  }
  return ranks;
}
#endif

class DataParallelCli : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef PARE_MPIRUN
    GTEST_SKIP() << "pare was built without MPI (apt-get install libopenmpi-dev openmpi-bin)";
#endif
  }

  std::vector<std::string> prune_arguments(const fs::path& out, std::int64_t steps) const {
    return job_.arguments(out, steps, 2);
  }

  testing::ScratchDir dir_;
  testing::TinyPruneJob job_{dir_.path()};
  fs::path model_ = job_.model();
};

#ifdef PARE_MPIRUN
TEST_F(DataParallelCli, AKilledRankEndsTheJobAndItsCheckpointResumesOnOneRank) {
  const fs::path whole = dir_.path() / "whole";
  ASSERT_EQ(
      testing::wait_for(testing::start_program(PARE_BINARY, prune_arguments(whole, 400), dir_.path() / "whole.log")), 0)
      << testing::read_bytes(dir_.path() / "whole.log");

  const fs::path killed = dir_.path() / "killed";
  const fs::path log = dir_.path() / "killed.log";
  const pid_t job = start_job(2, prune_arguments(killed, 400), log);
  // Some checkpoints in, one rank dies as a machine or an out-of-memory kill would end it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(killed / "checkpoint" / "trainer_state.safetensors") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::vector<pid_t> ranks = ranks_of(job);
  ASSERT_EQ(ranks.size(), 2u) << testing::read_bytes(log);
  ::kill(ranks.back(), SIGKILL);
  const int status = testing::wait_for_at_most(job, 60);
  SCOPED_TRACE(testing::read_bytes(log));
  ASSERT_NE(status, -1) << "the job hung after a rank was killed";
  EXPECT_NE(status, 0);
  EXPECT_TRUE(testing::has(testing::read_bytes(log), "exited on signal 9"));
  EXPECT_TRUE(ranks_of(job).empty());

  // What rank 0 left is a whole checkpoint of some step before the end.
  const std::int64_t step = load_trainer_state(killed / "checkpoint" / "trainer_state.safetensors").step;
  EXPECT_GT(step, 0);
  EXPECT_LT(step, 400) << "the kill came after the run ended: nothing was tested";

  std::vector<std::string> resume = prune_arguments(killed, 400);
  resume.push_back("--resume");
  ASSERT_EQ(testing::wait_for(testing::start_program(PARE_BINARY, resume, log)), 0);
  EXPECT_EQ(testing::read_bytes(killed / "masks.safetensors"), testing::read_bytes(whole / "masks.safetensors"));
}

TEST_F(DataParallelCli, SigtermStopsEveryRankWithACheckpointThatTwoRanksResume) {
  const fs::path whole = dir_.path() / "whole";
  ASSERT_EQ(
      testing::wait_for(testing::start_program(PARE_BINARY, prune_arguments(whole, 400), dir_.path() / "whole.log")),
      0);
  const fs::path stopped = dir_.path() / "stopped";
  const fs::path log = dir_.path() / "stopped.log";
  const pid_t job = start_job(2, prune_arguments(stopped, 400), log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(stopped / "checkpoint") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // mpirun passes the signal on to every rank, as a cluster's scheduler or a terminal would send it.
  ::kill(job, SIGTERM);
  const int status = testing::wait_for_at_most(job, 60);
  SCOPED_TRACE(testing::read_bytes(log));
  ASSERT_NE(status, -1) << "the job hung after SIGTERM";
  EXPECT_TRUE(testing::has(testing::read_bytes(log), "checkpoint saved"));
  const std::int64_t step = load_trainer_state(stopped / "checkpoint" / "trainer_state.safetensors").step;
  EXPECT_LT(step, 400) << "the signal came after the run ended: nothing was tested";

  std::vector<std::string> resume = prune_arguments(stopped, 400);
  resume.push_back("--resume");
  ASSERT_EQ(testing::wait_for_at_most(start_job(2, resume, log), 120), 0);
  EXPECT_EQ(testing::read_bytes(stopped / "masks.safetensors"), testing::read_bytes(whole / "masks.safetensors"));
}

TEST_F(DataParallelCli, SpeedupUnderMpirunWritesWhatOneProcessWrites) {
  const fs::path pruned = dir_.path() / "pruned";
  ASSERT_EQ(testing::wait_for(testing::start_program(PARE_BINARY, prune_arguments(pruned, 20), dir_.path() / "p.log")),
            0);
  auto speedup = [&](const fs::path& out) {
    return std::vector<std::string>{
        "speedup", "--model",   model_.string(), "--masks", (pruned / "masks.safetensors").string(),
        "--out",   out.string()};
  };
  const fs::path log = dir_.path() / "speedup.log";
  ASSERT_EQ(testing::wait_for(testing::start_program(PARE_BINARY, speedup(dir_.path() / "one"), log)), 0);
  ASSERT_EQ(testing::wait_for_at_most(start_job(2, speedup(dir_.path() / "two"), log), 120), 0)
      << testing::read_bytes(log);
  for (const char* file : {"model.safetensors", "config.json", "vocab.txt"}) {
    EXPECT_EQ(testing::read_bytes(dir_.path() / "two" / file), testing::read_bytes(dir_.path() / "one" / file)) << file;
  }
  // One "wrote" line: rank 0 did the surgery, the other rank waited.
  const std::string out = testing::read_bytes(log);
  EXPECT_EQ(out.find("wrote " + (dir_.path() / "two").string()), out.rfind("wrote " + (dir_.path() / "two").string()));
}
#endif

}  // namespace
}  // namespace pare
