#include "runtime/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "runtime/error.h"
#include "runtime/io/temporary_sibling.h"

namespace pare {
namespace {

std::string errno_message() { return std::system_category().message(errno); }

// Makes the rename itself durable: without it a crash can forget the new directory entry.
void sync_directory(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the file is in place; only durability across a power cut is at stake
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::filesystem::path path)
    : path_(std::move(path)), temp_path_(temporary_sibling(path_, "tmp")) {
  remove_left_temporaries(path_, "tmp");
  // O_EXCL: a second writer of the same path in this process must fail, not interleave its bytes.
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const std::string reason = errno_message();
    const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    PARE_CHECK(std::filesystem::is_directory(dir, ec), "cannot write '", path_.string(), "': directory '", dir.string(),
               "' does not exist");
    throw Error(detail::concat("cannot write '", path_.string(), "': creating temporary file '", temp_path_.string(),
                               "' failed: ", reason));
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) discard();
}

void AtomicFileWriter::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

void AtomicFileWriter::write(const void* data, std::size_t bytes) {
  PARE_CHECK(fd_ >= 0, "cannot write '", path_.string(), "': the file was already committed");
  const auto* p = static_cast<const unsigned char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    PARE_CHECK(n > 0, "cannot write '", path_.string(), "' (temporary file '", temp_path_.string(),
               "'): ", n < 0 ? errno_message() : std::string("no progress"));
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  PARE_CHECK(fd_ >= 0, "cannot write '", path_.string(), "': the file was already committed");
  PARE_CHECK(::fsync(fd_) == 0, "cannot write '", path_.string(), "': fsync failed: ", errno_message());
  const int fd = fd_;
  fd_ = -1;
  // close() can report a deferred write error (NFS, quota); the data is not safe until it succeeds.
  PARE_CHECK(::close(fd) == 0, "cannot write '", path_.string(), "': close failed: ", errno_message());
  PARE_CHECK(::rename(temp_path_.c_str(), path_.c_str()) == 0, "cannot write '", path_.string(), "': renaming '",
             temp_path_.string(), "' into place failed: ", errno_message());
  committed_ = true;
  sync_directory(path_);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  AtomicFileWriter writer(path);
  writer.write(contents);
  writer.commit();
}

}  // namespace pare
