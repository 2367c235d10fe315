// AtomicFileWriter: writes a file so that readers see either the old file or the complete new one,
// never a half-written one (temporary file, fsync, rename).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace pare {

// Writes into a temporary sibling of `path` (runtime/io/temporary_sibling.h), removing any that a
// killed writer left; commit() flushes it to disk and renames it over `path`. A writer destroyed
// without commit() (an error, an exception) removes the temporary file and leaves any existing
// `path` untouched. Errors throw pare::Error naming the path.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  void commit();

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  void discard() noexcept;

  std::filesystem::path path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole of `contents` as the new `path`, atomically.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace pare
