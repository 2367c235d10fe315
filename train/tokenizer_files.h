// Which files make up a tokenizer, so that every model directory a run saves carries its tokenizer
// and loads on its own.
#pragma once

#include <filesystem>
#include <vector>

namespace pare {

// For a directory: the tokenizer files load_tokenizer reads there (tokenizer.json, vocab.txt,
// tokenizer_config.json, special_tokens_map.json, *.model); for a file: that file. Throws when a
// directory holds none.
std::vector<std::filesystem::path> tokenizer_files(const std::filesystem::path& dir_or_file);

// Whether a model directory holds tokenizer files (a directory of weights alone holds none).
bool holds_tokenizer(const std::filesystem::path& dir);

}  // namespace pare
