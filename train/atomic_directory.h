// AtomicDirectory: publishes a whole directory (a checkpoint) so that `path` is always either the
// previous complete directory or the new complete one. Files are written into `<path>.tmp`; commit()
// moves the old directory to `<path>.old`, renames the new one into place and removes the old one.
// A crash between those two renames leaves only `<path>.old`, which recover_directory() puts back.
#pragma once

#include <filesystem>

namespace pare {

class AtomicDirectory {
 public:
  // Starts an empty `<path>.tmp` (removing a stale one left by a crash).
  explicit AtomicDirectory(std::filesystem::path path);
  // Without commit() the temporary directory is removed and `path` left as it was.
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  // Where to write the new contents.
  const std::filesystem::path& temp_path() const { return temp_; }
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

// Repairs what an interrupted commit() left: `<path>.old` becomes `path` again when `path` is
// missing, a leftover `<path>.old` beside a complete `path` and any `<path>.tmp` are removed.
void recover_directory(const std::filesystem::path& path);

}  // namespace pare
