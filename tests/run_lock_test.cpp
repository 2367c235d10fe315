// RunLock: a folder held by one process is refused to every other, naming the holder; the lock a
// killed process left is taken over with a note; a released lock leaves no file behind. Another
// process is played by util-linux's flock(1), which holds a flock(2) on the file as pare does.
#include "train/run_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/test_support.h"  // ScratchDir, error_of, write_bytes, dead_pid

namespace pare {
namespace {

using testing::has;
namespace fs = std::filesystem;
using testing::error_of;

TEST(RunLock, RefusesASecondHolderAndLeavesNoFileWhenReleased) {
  testing::ScratchDir dir;
  {
    const RunLock first = RunLock::acquire(dir.path(), "training");
    EXPECT_TRUE(first.taken_over().empty());
    EXPECT_TRUE(fs::exists(dir.path() / RunLock::kFileName));
    const std::string error = error_of([&] { RunLock::acquire(dir.path(), "pare run"); });
    EXPECT_TRUE(
        has(error, detail::concat("'", dir.path().string(), "' is in use by another pare process (pid ", ::getpid())));
    EXPECT_TRUE(has(error, "running training"));
  }
  EXPECT_EQ(dir.listing(), std::vector<std::string>{});
  const RunLock again = RunLock::acquire(dir.path(), "training");
  EXPECT_TRUE(again.taken_over().empty());
}

TEST(RunLock, TakesOverTheLockOfAKilledProcessSayingWhose) {
  testing::ScratchDir dir;
  const pid_t killed = testing::dead_pid();
  testing::write_bytes(dir.path() / RunLock::kFileName,
                       "pid " + std::to_string(killed) + " on host\nsince yesterday\nrunning pare run\n");
  const RunLock lock = RunLock::acquire(dir.path(), "training");
  EXPECT_TRUE(has(lock.taken_over(), detail::concat("took over the lock of '", dir.path().string(), "' left by pid ",
                                                    killed, " on host, since yesterday, running pare run")));
  EXPECT_TRUE(has(testing::read_bytes(dir.path() / RunLock::kFileName), "pid " + std::to_string(::getpid())));
}

// Whether some process holds a flock on `file`, probed with a flock of our own (a RunLock taken and
// released would remove the file).
bool held(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  const bool locked = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  if (fd >= 0) ::close(fd);
  return locked;
}

// Polls `held(file)` until it is `expected` (at most 5 s).
void wait_until_held_is(const fs::path& file, bool expected) {
  for (int i = 0; i < 500 && held(file) != expected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TEST(RunLock, AnotherProcessHoldsTheFolderUntilItIsKilled) {
  testing::ScratchDir dir;
  const fs::path file = dir.path() / RunLock::kFileName;
  testing::write_bytes(file, "pid 1 on elsewhere\nrunning pare finetune\n");
  const pid_t holder = ::fork();
  if (holder == 0) {
    // Its own process group, so that killing the group ends flock and the command it runs.
    ::setpgid(0, 0);
    ::execlp("flock", "flock", "--close", file.c_str(), "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(holder, 0);
  wait_until_held_is(file, true);
  const std::string error = error_of([&] { RunLock::acquire(dir.path(), "training"); });
  EXPECT_TRUE(has(error, "is in use by another pare process (pid 1 on elsewhere, running pare finetune)"));
  ::kill(-holder, SIGKILL);
  int status = 0;
  ::waitpid(holder, &status, 0);
  // flock(1)'s child may still be exiting with a copy of the descriptor it was about to close.
  wait_until_held_is(file, false);
  const RunLock lock = RunLock::acquire(dir.path(), "training");
  EXPECT_TRUE(has(lock.taken_over(), "left by pid 1 on elsewhere"));
}

}  // namespace
}  // namespace pare
