// Programs the end-to-end tests start (pare, mpirun): started with fork and execv, their output to a
// log file, waited for with or without a deadline.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace pare::testing {

// `program` with `arguments` and the variables `environment` added, stdout and stderr appended to
// `log`, in a process group of its own (so that a test can end it with everything it started).
inline pid_t start_program(const std::string& program, const std::vector<std::string>& arguments,
                           const std::filesystem::path& log,
                           const std::vector<std::pair<std::string, std::string>>& environment = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const std::string& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (std::freopen(log.c_str(), "a", stdout) == nullptr || std::freopen(log.c_str(), "a", stderr) == nullptr) {
      ::_exit(126);
    }
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// The exit status, or 128 + the signal that ended it.
inline int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// As wait_for, but after `seconds` the process group is killed and -1 returned: a hang fails the
// test instead of the test run.
inline int wait_for_at_most(pid_t pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);
  wait_for(pid);
  return -1;
}

// What a command line printed (stdout and stderr together) and its exit status (-1 when it did not
// exit: a signal, or the minute's limit that keeps a hang from stalling the test run).
struct CommandOutcome {
  int status = -1;
  std::string output;
};

// The pare executable with `arguments`, shell words.
inline CommandOutcome run_pare_capturing(const std::string& arguments) {
  const std::string command = "timeout 60 " + std::string(PARE_BINARY) + " " + arguments + " 2>&1";
  CommandOutcome out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.output.append(buffer, n);
  const int status = ::pclose(pipe);
  out.status = WIFEXITED(status) && WEXITSTATUS(status) != 124 ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace pare::testing
