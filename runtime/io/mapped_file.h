// MappedFile: a whole file mapped read-only into memory for as long as the object lives.
// Truncating the file while it is mapped makes reads past the new end fault (SIGBUS); files we
// write are replaced by rename (AtomicFileWriter), which leaves an open mapping intact.
#pragma once

#include <cstddef>
#include <filesystem>

namespace pare {

class MappedFile {
 public:
  // Throws pare::Error naming `path` when it cannot be opened, is not a regular file or cannot be
  // mapped. An empty file maps to data() == nullptr, size() == 0.
  static MappedFile open(const std::filesystem::path& path);

  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  MappedFile(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}
  void unmap() noexcept;

  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace pare
