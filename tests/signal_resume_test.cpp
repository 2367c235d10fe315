// pare prune and pare speedup under signals at seeded random moments of an uninterrupted run's span.
// Every interrupted prune run (SIGKILL, SIGINT, SIGTERM) is resumed with --resume and must end with
// the uninterrupted run's masks and weights, byte for byte; a speedup killed at any moment leaves
// its output absent or complete, never partial, and a rerun writes the same bytes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/child_process.h"
#include "tests/test_support.h"  // ScratchDir, read_bytes
#include "tests/tiny_prune_job.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using testing::wait_for;

// The pare executable with `arguments`, its output to `log`; returns its pid.
pid_t start_pare(const std::vector<std::string>& arguments, const fs::path& log) {
  return testing::start_program(PARE_BINARY, arguments, log);
}

int run_pare(const std::vector<std::string>& arguments, const fs::path& log) {
  return wait_for(start_pare(arguments, log));
}

class SignalResume : public ::testing::Test {
 protected:
  std::vector<std::string> prune_arguments(const fs::path& out) const { return job_.arguments(out, 60, 4); }

  testing::ScratchDir dir_;
  testing::TinyPruneJob job_{dir_.path()};
  fs::path model_ = job_.model();
};

TEST_F(SignalResume, PruningKilledAtRandomMomentsResumesToTheSameMasksAndWeights) {
  const fs::path reference = dir_.path() / "reference";
  const Clock::time_point start = Clock::now();
  const pid_t first = start_pare(prune_arguments(reference), dir_.path() / "reference.log");
  // How long pare takes to start training (metrics.jsonl marks it) and to end.
  while (!fs::exists(reference / "metrics.jsonl") && std::chrono::duration<double>(Clock::now() - start).count() < 60) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double startup = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_EQ(wait_for(first), 0) << testing::read_bytes(dir_.path() / "reference.log");
  const double span = std::chrono::duration<double>(Clock::now() - start).count();
  const std::string masks = testing::read_bytes(reference / "masks.safetensors");
  const std::string weights = testing::read_bytes(reference / "checkpoint" / "model.safetensors");
  ASSERT_FALSE(masks.empty());

  std::mt19937 rng(2026);
  std::uniform_real_distribution<double> moment(0.05, 0.95);
  int i = 0, interrupted = 0;
  for (const int signal : {SIGKILL, SIGKILL, SIGKILL, SIGINT, SIGTERM}) {
    // A run can end before its signal when the machine is less loaded than during the reference run
    // (ctest runs other tests beside it): such a run is checked too, and the signal is sent again to
    // a fresh run at half the delay, up to three more times.
    double delay_scale = 1.0;
    for (int attempt = 0; attempt < 4; ++attempt, delay_scale /= 2) {
      const fs::path out = dir_.path() / ("run" + std::to_string(i));
      const fs::path log = dir_.path() / ("run" + std::to_string(i++) + ".log");
      const pid_t pid = start_pare(prune_arguments(out), log);
      // A signal pare handles is sent during training (which metrics.jsonl marks): before, pare is
      // still loading and ends as the signal's default action says, with nothing to resume.
      const Clock::time_point started = Clock::now();
      while (signal != SIGKILL && !fs::exists(out / "metrics.jsonl") &&
             std::chrono::duration<double>(Clock::now() - started).count() < 10 * span) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(
          std::chrono::duration<double>(delay_scale * moment(rng) * (signal == SIGKILL ? span : span - startup)));
      ::kill(pid, signal);
      const int status = wait_for(pid);
      SCOPED_TRACE(testing::read_bytes(log));
      if (status != 0) {
        ++interrupted;
        // A graceful stop exits 130 with a checkpoint; SIGKILL leaves whatever was complete.
        if (signal != SIGKILL) {
          EXPECT_EQ(status, 130);
        }
        std::vector<std::string> resume = prune_arguments(out);
        resume.push_back("--resume");
        int resumed = run_pare(resume, log);
        // Killed before the run left anything to resume: it starts afresh.
        if (resumed != 0 && testing::read_bytes(log).find("nothing to resume") != std::string::npos) {
          resumed = run_pare(prune_arguments(out), log);
        }
        ASSERT_EQ(resumed, 0);
      }
      EXPECT_EQ(testing::read_bytes(out / "masks.safetensors"), masks) << "signal " << signal;
      EXPECT_EQ(testing::read_bytes(out / "checkpoint" / "model.safetensors"), weights) << "signal " << signal;
      if (status != 0) break;
    }
  }
  // The moments fall inside the run: most signals found it at work (a run over before its signal
  // proves nothing about resuming).
  EXPECT_GE(interrupted, 3);
}

TEST_F(SignalResume, SpeedupKilledAtAnyMomentLeavesItsOutputWholeOrAbsent) {
  const fs::path pruned = dir_.path() / "pruned";
  ASSERT_EQ(run_pare(prune_arguments(pruned), dir_.path() / "pruned.log"), 0);
  const std::vector<std::string> speedup = {"speedup",
                                            "--model",
                                            model_.string(),
                                            "--masks",
                                            (pruned / "masks.safetensors").string(),
                                            "--out",
                                            (dir_.path() / "compact").string()};
  const Clock::time_point start = Clock::now();
  ASSERT_EQ(run_pare(speedup, dir_.path() / "speedup.log"), 0) << testing::read_bytes(dir_.path() / "speedup.log");
  const double span = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_.path() / "compact")) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  std::vector<std::string> contents;
  for (const std::string& name : names) contents.push_back(testing::read_bytes(dir_.path() / "compact" / name));
  fs::rename(dir_.path() / "compact", dir_.path() / "compact-reference");

  std::mt19937 rng(2027);
  std::uniform_real_distribution<double> moment(0.0, 1.2);
  int whole = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const pid_t pid = start_pare(speedup, dir_.path() / "speedup.log");
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng) * span));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    if (fs::exists(dir_.path() / "compact")) {
      // Whole: every file, with the uninterrupted run's bytes.
      for (std::size_t f = 0; f < names.size(); ++f) {
        EXPECT_EQ(testing::read_bytes(dir_.path() / "compact" / names[f]), contents[f]) << names[f];
      }
      fs::remove_all(dir_.path() / "compact");
      ++whole;
    }
    // A rerun after the kill writes the same model (and clears what the killed one left).
    ASSERT_EQ(run_pare(speedup, dir_.path() / "speedup.log"), 0) << testing::read_bytes(dir_.path() / "speedup.log");
    for (std::size_t f = 0; f < names.size(); ++f) {
      EXPECT_EQ(testing::read_bytes(dir_.path() / "compact" / names[f]), contents[f]) << names[f];
    }
    fs::remove_all(dir_.path() / "compact");
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      if (entry.path().filename().string().find(".pare-") != std::string::npos) left.push_back(entry.path());
    }
    EXPECT_TRUE(left.empty()) << left.front();
  }
  std::printf("speedup killed 6 times: output whole %d times, absent %d times\n", whole, 6 - whole);
}

}  // namespace
}  // namespace pare
