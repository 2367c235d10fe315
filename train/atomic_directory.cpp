#include "train/atomic_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

#include "runtime/error.h"
#include "runtime/io/temporary_sibling.h"

namespace pare {
namespace {

// Renames reach the disk only once their directory is synced.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void remove_tree(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  PARE_CHECK(!ec, "cannot remove '", path.string(), "': ", ec.message());
}

void rename_dir(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  PARE_CHECK(!ec, "cannot rename '", from.string(), "' to '", to.string(), "': ", ec.message());
}

}  // namespace

AtomicDirectory::AtomicDirectory(std::filesystem::path path) : path_(std::move(path).lexically_normal()) {
  // "out/" names the folder out: the temporary names are made from the last component.
  if (!path_.has_filename() && path_.has_parent_path()) path_ = path_.parent_path();
  PARE_CHECK(!path_.filename().empty() && path_.filename() != "." && path_.filename() != "..", "AtomicDirectory: '",
             path_.string(), "' names no directory of its own");
  recover_directory(path_);
  temp_ = temporary_sibling(path_, "tmp");
  std::error_code ec;
  std::filesystem::create_directories(temp_, ec);
  PARE_CHECK(!ec, "cannot create '", temp_.string(), "': ", ec.message());
}

AtomicDirectory::~AtomicDirectory() {
  if (committed_) return;
  std::error_code ec;
  std::filesystem::remove_all(temp_, ec);
}

void AtomicDirectory::commit() {
  PARE_CHECK(!committed_, "AtomicDirectory: '", path_.string(), "' committed twice");
  const std::filesystem::path old = temporary_sibling(path_, "old");
  const bool had_previous = std::filesystem::exists(path_);
  if (had_previous) rename_dir(path_, old);
  rename_dir(temp_, path_);
  committed_ = true;
  sync_directory(path_.parent_path());
  if (had_previous) remove_tree(old);
}

void recover_directory(const std::filesystem::path& path) {
  const std::vector<LeftTemporary> olds = left_temporaries(path, "old");
  if (!olds.empty() && !std::filesystem::exists(path)) rename_dir(olds.back().path, path);
  remove_left_temporaries(path, "old");
  remove_left_temporaries(path, "tmp");
}

}  // namespace pare
