// AtomicDirectory: publishes a whole directory (a checkpoint) so that `path` is always either the
// previous complete directory or the new complete one. Files are written into a temporary sibling
// (runtime/io/temporary_sibling.h: hidden, named after this process); commit() moves the old
// directory to another such sibling, renames the new one into place and removes the old one. A crash
// between those two renames leaves only the old one, which recover_directory() puts back.
#pragma once

#include <filesystem>

namespace pare {

class AtomicDirectory {
 public:
  // Starts an empty temporary directory, after recover_directory(path).
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

// Repairs what an interrupted commit() of a process no longer running left: its old directory
// becomes `path` again when `path` is missing; old directories beside a complete `path` and
// temporary ones are removed. Nothing of a running process, and nothing pare did not name, is touched.
void recover_directory(const std::filesystem::path& path);

}  // namespace pare
