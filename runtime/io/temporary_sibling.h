// Temporary files and folders that pare writes beside a target before renaming them into place:
// `.<name>.pare-<kind>.<pid>.<n>`, hidden, unique per process and per call, so they never take a
// name a user chose (a sibling folder `<name>.tmp` is the user's) and two processes never share one.
// What a killed process left behind is found by its pid and removed at the next write of the target.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>
#include <vector>

namespace pare {

// A fresh temporary name beside `target` for this process.
std::filesystem::path temporary_sibling(const std::filesystem::path& target, std::string_view kind);

struct LeftTemporary {
  std::filesystem::path path;
  pid_t pid = 0;
};

// The temporary siblings of `target` of kind `kind` whose process is no longer running, oldest
// first (by modification time).
std::vector<LeftTemporary> left_temporaries(const std::filesystem::path& target, std::string_view kind);

// Removes the temporary siblings of `target` of kind `kind` that dead processes left.
void remove_left_temporaries(const std::filesystem::path& target, std::string_view kind);

}  // namespace pare
