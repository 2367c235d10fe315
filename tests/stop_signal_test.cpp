// StopOnInterrupt's reading of repeated signals: SIGTERM (or SIGHUP) sent again within
// kSameStopRequest, as timeout, systemd and schedulers send it to a process and to its group, is the
// same request to stop; a later one, another signal, or a second Ctrl-C ends the process at once; a
// signal ignored before (SIGHUP under nohup) stays ignored.
// And pare's commands under such a pair: a training run still saves its checkpoint, and tokenizer
// training leaves no process and no temporary folder behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/child_process.h"
#include "tests/test_support.h"  // ScratchDir, read_bytes
#include "tests/tiny_prune_job.h"
#include "train/interrupt.h"
#include "train/run_lock.h"  // RunLock::kFileName

namespace pare {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

TEST(StopSignal, SigtermTwiceWithinTheWindowIsOneRequest) {
  for (const int signal : {SIGTERM, SIGHUP}) {
    const StopOnInterrupt guard;
    std::raise(signal);
    std::raise(signal);  // the default action would end this test's process
    EXPECT_TRUE(StopOnInterrupt::requested());
    EXPECT_EQ(StopOnInterrupt::signal_received(), signal);
  }
}

TEST(StopSignal, SignalStartedIgnoredStaysIgnored) {
  struct sigaction ignore {
  }, before{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ASSERT_EQ(sigaction(SIGHUP, &ignore, &before), 0);  // as nohup starts a program
  {
    const StopOnInterrupt guard;
    std::raise(SIGHUP);
    EXPECT_FALSE(StopOnInterrupt::requested());
  }
  struct sigaction after {};
  sigaction(SIGHUP, &before, &after);
  EXPECT_EQ(after.sa_handler, SIG_IGN);
}

TEST(StopSignalDeathTest, SecondCtrlCEndsAtOnce) {
  EXPECT_EXIT(
      {
        const StopOnInterrupt guard;
        std::raise(SIGINT);
        std::raise(SIGINT);
        std::_Exit(0);
      },
      ::testing::KilledBySignal(SIGINT), "");
}

TEST(StopSignalDeathTest, SigtermAfterTheWindowEndsAtOnce) {
  EXPECT_EXIT(
      {
        const StopOnInterrupt guard;
        std::raise(SIGTERM);
        std::this_thread::sleep_for(kSameStopRequest + std::chrono::milliseconds(100));
        std::raise(SIGTERM);
        std::_Exit(0);
      },
      ::testing::KilledBySignal(SIGTERM), "");
}

TEST(StopSignalDeathTest, AnotherSignalWithinTheWindowEndsAtOnce) {
  EXPECT_EXIT(
      {
        const StopOnInterrupt guard;
        std::raise(SIGTERM);
        std::raise(SIGHUP);
        std::_Exit(0);
      },
      ::testing::KilledBySignal(SIGHUP), "");
}

// Waits up to `seconds` for `path` to exist.
bool appears(const fs::path& path, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (!fs::exists(path) && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return fs::exists(path);
}

// SIGTERM to pare and then to its process group, 2 ms apart, as `timeout` sends it.
void terminate_as_timeout_does(pid_t pid) {
  ::kill(pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(-pid, SIGTERM);
}

TEST(StopSignal, PruningUnderTimeoutsPairOfSigtermsSavesItsCheckpoint) {
  const testing::ScratchDir dir;
  const testing::TinyPruneJob job(dir.path());
  const fs::path out = dir.path() / "out";
  const pid_t pare = testing::start_program(PARE_BINARY, job.arguments(out, 100000, 100000), dir.path() / "log");
  ASSERT_TRUE(appears(out / "metrics.jsonl", 60)) << testing::read_bytes(dir.path() / "log");
  terminate_as_timeout_does(pare);
  EXPECT_EQ(testing::wait_for_at_most(pare, 60), 130) << testing::read_bytes(dir.path() / "log");
  EXPECT_TRUE(fs::exists(out / "checkpoint" / "trainer_state.safetensors")) << testing::read_bytes(dir.path() / "log");
}

TEST(StopSignal, TokenizerTrainingStopsItsTrainingProcessAndLeavesNothing) {
  const testing::ScratchDir dir;
  // Enough text that training runs for seconds: sentences of random words.
  std::string corpus;
  std::uint64_t state = 7;
  for (int line = 0; line < 60000; ++line) {
    for (int word = 0; word < 12; ++word) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      corpus += std::to_string(state >> 44) + (word < 11 ? " " : "\n");
    }
  }
  testing::write_bytes(dir.path() / "corpus.txt", corpus);
  const fs::path out = dir.path() / "out";
  for (const bool twice : {false, true}) {
    const pid_t pare = testing::start_program(PARE_BINARY,
                                              {"tokenizer", "train", "--corpus", (dir.path() / "corpus.txt").string(),
                                               "--vocab-size", "20000", "--out", out.string(), "--overwrite"},
                                              dir.path() / "log");
    // The training process has started once its temporary folder is there.
    bool started = false;
    for (const auto deadline = Clock::now() + std::chrono::seconds(30); !started && Clock::now() < deadline;) {
      if (fs::exists(out)) {
        for (const auto& entry : fs::directory_iterator(out)) started |= entry.path().filename().string()[0] == '.';
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(started) << testing::read_bytes(dir.path() / "log");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (twice) {
      terminate_as_timeout_does(pare);
    } else {
      ::kill(pare, SIGTERM);  // pare alone: its training process is not signalled
    }
    EXPECT_EQ(testing::wait_for_at_most(pare, 30), 130) << testing::read_bytes(dir.path() / "log");
    // Nothing is left to write there later: the folder holds nothing but its lock.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::string left;
    for (const auto& entry : fs::directory_iterator(out)) {
      if (entry.path().filename() != RunLock::kFileName) left += entry.path().filename().string() + " ";
    }
    EXPECT_EQ(left, "") << testing::read_bytes(dir.path() / "log");
  }
}

}  // namespace
}  // namespace pare
