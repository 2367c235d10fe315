#include "train/tokenizer_files.h"

#include <algorithm>

#include "runtime/error.h"

namespace pare {

std::vector<std::filesystem::path> tokenizer_files(const std::filesystem::path& dir_or_file) {
  if (std::filesystem::is_regular_file(dir_or_file)) return {dir_or_file};
  PARE_CHECK(std::filesystem::is_directory(dir_or_file), "tokenizer '", dir_or_file.string(), "' does not exist");
  static const char* const kNames[] = {"tokenizer.json", "vocab.txt", "tokenizer_config.json",
                                       "special_tokens_map.json"};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_or_file)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    const bool known = std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == n; });
    if (known || entry.path().extension() == ".model") files.push_back(entry.path());
  }
  PARE_CHECK(!files.empty(), "'", dir_or_file.string(),
             "' holds no tokenizer file (tokenizer.json, vocab.txt or *.model)");
  std::sort(files.begin(), files.end());
  return files;
}

bool holds_tokenizer(const std::filesystem::path& dir) {
  for (const char* name : {"tokenizer.json", "vocab.txt"}) {
    if (std::filesystem::exists(dir / name)) return true;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".model") return true;
  }
  return false;
}

}  // namespace pare
