#include "train/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <sstream>
#include <system_error>

#include "runtime/error.h"

namespace pare {
namespace {

std::string errno_message() { return std::system_category().message(errno); }

std::string read_all(int fd) {
  std::string out;
  char buffer[512];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0 && out.size() < 4096;) out.append(buffer, n);
  return out;
}

// The holder's record as one line: "pid 12 on host, since 2026-12-02 01:02:03 UTC: pare run".
std::string describe(const std::string& record) {
  std::string line;
  std::istringstream in(record);
  for (std::string field; std::getline(in, field);) {
    if (!line.empty()) line += ", ";
    line += field;
  }
  return line.empty() ? "a process that left no record" : line;
}

std::string record_of_this_process(std::string_view what) {
  char host[256] = "unknown host";
  ::gethostname(host, sizeof(host) - 1);
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char time[64] = "";
  std::strftime(time, sizeof(time), "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  std::ostringstream out;
  out << "pid " << ::getpid() << " on " << host << "\nsince " << time << "\nrunning " << what << "\n";
  return out.str();
}

bool same_file(int fd, const std::filesystem::path& path) {
  struct stat held {
  }, named{};
  return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

}  // namespace

RunLock RunLock::acquire(const std::filesystem::path& folder, std::string_view what) {
  const std::filesystem::path path = folder / kFileName;
  // A holder that releases unlinks the file while still holding it, so a lock taken on an inode
  // that is no longer the named file is retried on the new one.
  for (;;) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    PARE_CHECK(fd >= 0, "cannot create the lock file '", path.string(), "': ", errno_message());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      const std::string holder = describe(read_all(fd));
      ::close(fd);
      PARE_CHECK(error == EWOULDBLOCK, "cannot lock '", path.string(), "': ", std::system_category().message(error));
      throw Error(detail::concat("'", folder.string(), "' is in use by another pare process (", holder,
                                 "); wait for it to end or stop it, or choose another folder"));
    }
    if (!same_file(fd, path)) {
      ::close(fd);
      continue;
    }
    const std::string left = read_all(fd);
    std::string taken_over;
    if (!left.empty()) {
      taken_over = detail::concat("pare: took over the lock of '", folder.string(), "' left by ", describe(left),
                                  ", which is no longer running");
    }
    const std::string record = record_of_this_process(what);
    const bool written =
        ::ftruncate(fd, 0) == 0 && ::pwrite(fd, record.data(), record.size(), 0) == static_cast<ssize_t>(record.size());
    if (!written) {
      const std::string reason = errno_message();
      ::close(fd);
      throw Error(detail::concat("cannot write the lock file '", path.string(), "': ", reason));
    }
    return RunLock(fd, path, std::move(taken_over));
  }
}

RunLock::RunLock(RunLock&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), taken_over_(std::move(other.taken_over_)) {
  other.fd_ = -1;
}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    taken_over_ = std::move(other.taken_over_);
    other.fd_ = -1;
  }
  return *this;
}

RunLock::~RunLock() { release(); }

void RunLock::release() noexcept {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pare
