#include "runtime/io/input_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/error.h"
#include "runtime/host_memory.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

std::uint64_t max_input_bytes() { return host_memory_bytes() / 4; }

// Closes the descriptor when it goes out of scope.
class InputDescriptor {
 public:
  explicit InputDescriptor(int fd) : fd_(fd) {}
  ~InputDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  InputDescriptor(const InputDescriptor&) = delete;
  InputDescriptor& operator=(const InputDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits until a pipe has a byte to read or its writer closed it. A named pipe that no program ever
// opens for writing reports neither (Linux keeps POLLHUP back until a first writer came), so the
// wait is bounded and ends in a refusal.
void wait_for_pipe_writer(int fd, const fs::path& path, const std::string& what) {
  pollfd watched{fd, POLLIN, 0};
  const int timeout_ms = static_cast<int>(std::chrono::milliseconds(kInputPipeWriterWait).count());
  int ready = 0;
  while ((ready = ::poll(&watched, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  PARE_CHECK(ready >= 0, path.string(), ": cannot wait for the ", what, ": ", std::strerror(errno));
  PARE_CHECK(ready > 0, path.string(), ": the ", what, " is a named pipe that no program wrote into within ",
             kInputPipeWriterWait.count(), " s; start its writer first, or give a regular file");
  // Reads block from here on, as for any file.
  const int flags = ::fcntl(fd, F_GETFL);
  PARE_CHECK(flags >= 0 && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0, path.string(), ": cannot read the ", what,
             ": ", std::strerror(errno));
}

}  // namespace

void check_input_file(const fs::path& path, const std::string& what) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  PARE_CHECK(!ec && fs::exists(status), path.string(), ": cannot open the ", what, ": no such file");
  PARE_CHECK(!fs::is_directory(status), path.string(), ": cannot open the ", what, ": it is a folder");
  PARE_CHECK(fs::is_regular_file(status) || fs::is_fifo(status), path.string(), ": the ", what,
             " is not a regular file (a device or socket; a device such as /dev/zero never ends)");
  if (!fs::is_regular_file(status)) return;
  const std::uintmax_t size = fs::file_size(path, ec);
  PARE_CHECK(!ec, path.string(), ": cannot read the size of the ", what, ": ", ec.message());
  PARE_CHECK(size <= max_input_bytes(), path.string(), ": the ", what, " holds ",
             format_bytes(static_cast<double>(size)),
             ", more than pare reads from one file on this machine (a quarter of its ",
             format_bytes(static_cast<double>(host_memory_bytes())), " of memory)");
}

std::string read_input_file(const fs::path& path, const std::string& what) {
  check_input_file(path, what);
  const InputDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  PARE_CHECK(fd.get() >= 0, path.string(), ": cannot open the ", what, ": ", std::strerror(errno));
  struct stat opened {};
  PARE_CHECK(::fstat(fd.get(), &opened) == 0, path.string(), ": cannot read the ", what, ": ", std::strerror(errno));
  if (S_ISFIFO(opened.st_mode)) wait_for_pipe_writer(fd.get(), path, what);
  const std::uint64_t bound = max_input_bytes();
  std::string text;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    PARE_CHECK(n >= 0, path.string(), ": cannot read the ", what, ": ", std::strerror(errno));
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    PARE_CHECK(text.size() <= bound, path.string(), ": the ", what, " goes on past ",
               format_bytes(static_cast<double>(bound)), " (a quarter of this machine's memory); pare stopped reading");
  }
  return text;
}

}  // namespace pare
