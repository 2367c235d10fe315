// RunLock: one pare process at a time writes an output folder. The lock is the file
// `<folder>/.pare.lock`, held with flock(2) for the lock's life and naming its holder (pid, host,
// start time, what it runs). The kernel releases a flock when its process ends however it ends, so a
// lock file left by a killed run is found unheld and taken over, with a note naming the process that
// left it, while a folder a running process holds is refused with that process named.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pare {

class RunLock {
 public:
  static constexpr const char* kFileName = ".pare.lock";

  // Takes the lock of `folder`, which must exist; `what` says what the holder does ("pare run",
  // "training"). Throws pare::Error naming the holder when another process holds it.
  static RunLock acquire(const std::filesystem::path& folder, std::string_view what);

  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  // Removes the lock file, then releases the lock.
  ~RunLock();

  // "" or, when a killed process had left the lock, a line saying whose lock was taken over.
  const std::string& taken_over() const { return taken_over_; }

 private:
  RunLock(int fd, std::filesystem::path path, std::string taken_over)
      : fd_(fd), path_(std::move(path)), taken_over_(std::move(taken_over)) {}
  void release() noexcept;

  int fd_ = -1;
  std::filesystem::path path_;
  std::string taken_over_;
};

}  // namespace pare
