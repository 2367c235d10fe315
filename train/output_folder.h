// The one policy for folders pare writes a result into (--out): never one that holds, or lies
// inside, an input (writing or replacing it would destroy what the command reads), and never a
// folder that already holds something unless the user says --overwrite. What a command writes then
// appears atomically (train/atomic_directory.h), so nothing pare did not make is deleted.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pare {

// Whether `inner` is `outer` or lies inside it, after resolving `.`, `..`, symbolic links and
// trailing slashes of the parts that exist.
// True when `folder` holds nothing, or nothing but a lock file a killed run left (train/run_lock.h).
bool folder_is_empty(const std::filesystem::path& folder);

bool path_within(const std::filesystem::path& inner, const std::filesystem::path& outer);

// Throws pare::Error, naming `command`, the folder and the input at fault, when `out` is, holds or
// lies inside one of `inputs` (empty paths are skipped), or when it holds anything and `overwrite`
// is false.
void check_output_folder(const std::filesystem::path& out, const std::vector<std::filesystem::path>& inputs,
                         bool overwrite, const std::string& command);

}  // namespace pare
