#include "train/output_folder.h"

#include <algorithm>

#include "runtime/error.h"
#include "train/run_lock.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

fs::path resolved(const fs::path& path) {
  std::error_code error;
  fs::path p = fs::weakly_canonical(fs::absolute(path), error);
  // A pipe from the shell's process substitution, <(command), is /dev/fd/N, a link to "pipe:[id]"
  // that has no canonical form; it lies in no folder pare writes.
  if (error) p = fs::absolute(path).lexically_normal();
  // "dir/" and "dir" name the same folder; a trailing empty component would break the prefix test.
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

}  // namespace

bool folder_is_empty(const fs::path& folder) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().filename() != RunLock::kFileName) return false;
  }
  return true;
}

bool path_within(const fs::path& inner, const fs::path& outer) {
  const fs::path in = resolved(inner), out = resolved(outer);
  const auto [mismatch, _] = std::mismatch(out.begin(), out.end(), in.begin(), in.end());
  return mismatch == out.end();
}

void check_output_folder(const fs::path& out, const std::vector<fs::path>& inputs, bool overwrite,
                         const std::string& command) {
  PARE_CHECK(!out.empty(), command, ": give the output folder (--out)");
  for (const fs::path& input : inputs) {
    if (input.empty()) continue;
    PARE_CHECK(!path_within(input, out), command, ": --out ", out.string(), " holds the input ", input.string(),
               "; writing there would replace it: give a folder outside it");
    PARE_CHECK(!path_within(out, input), command, ": --out ", out.string(), " lies inside the input ", input.string(),
               "; give a folder outside it");
  }
  // Replacing the folder a shell stands in would leave it in a deleted directory.
  PARE_CHECK(!path_within(fs::current_path(), out), command, ": --out ", out.string(),
             " is (or holds) the current directory; give a folder of its own");
  PARE_CHECK(!fs::exists(out) || fs::is_directory(out), command, ": --out ", out.string(), " is a file, not a folder");
  PARE_CHECK(overwrite || !fs::exists(out) || folder_is_empty(out), command, ": --out ", out.string(),
             " already holds files; give a new or empty folder, or --overwrite to replace it");
}

}  // namespace pare
