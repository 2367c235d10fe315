// Reading a whole JSON file with pare's errors: the file's name and what it was meant to be in
// every message (a missing file, a parse error with its byte offset). The one place where the
// limits every JSON reader needs can be enforced.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace pare {

// `what` names the file's role in errors ("recipe", "run record").
nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& what);

}  // namespace pare
