#include "runtime/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "runtime/error.h"

namespace pare {

MappedFile MappedFile::open(const std::filesystem::path& path) {
  // Without O_NONBLOCK, open() of a named pipe waits for a writer, forever if none comes; the type
  // is checked right after.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  PARE_CHECK(fd >= 0, "cannot open '", path.string(), "': ", std::system_category().message(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::string reason = S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file";
    ::close(fd);
    throw Error(detail::concat("cannot read '", path.string(), "': ", reason));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return MappedFile();  // mmap rejects a zero length
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int mmap_errno = errno;
  // The mapping keeps its own reference to the file, so the descriptor is not needed any more.
  ::close(fd);
  PARE_CHECK(data != MAP_FAILED, "cannot map '", path.string(), "' (", size,
             " bytes): ", std::system_category().message(mmap_errno));
  return MappedFile(static_cast<const unsigned char*>(data), size);
}

MappedFile::~MappedFile() { unmap(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void MappedFile::unmap() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace pare
