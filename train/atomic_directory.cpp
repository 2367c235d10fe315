#include "train/atomic_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

#include "runtime/error.h"

namespace pare {
namespace {

std::filesystem::path with_suffix(const std::filesystem::path& path, const char* suffix) {
  return path.parent_path() / (path.filename().string() + suffix);
}

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

AtomicDirectory::AtomicDirectory(std::filesystem::path path)
    : path_(std::move(path)), temp_(with_suffix(path_, ".tmp")) {
  PARE_CHECK(!path_.filename().empty(), "AtomicDirectory: '", path_.string(), "' names no directory");
  recover_directory(path_);
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
  const std::filesystem::path old = with_suffix(path_, ".old");
  const bool had_previous = std::filesystem::exists(path_);
  if (had_previous) rename_dir(path_, old);
  rename_dir(temp_, path_);
  committed_ = true;
  sync_directory(path_.parent_path());
  if (had_previous) remove_tree(old);
}

void recover_directory(const std::filesystem::path& path) {
  const std::filesystem::path old = with_suffix(path, ".old");
  const std::filesystem::path temp = with_suffix(path, ".tmp");
  if (std::filesystem::exists(old)) {
    if (std::filesystem::exists(path)) {
      remove_tree(old);
    } else {
      rename_dir(old, path);
    }
  }
  if (std::filesystem::exists(temp)) remove_tree(temp);
}

}  // namespace pare
