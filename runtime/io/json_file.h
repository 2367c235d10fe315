// Reading JSON with pare's errors: the source (a file, a file and line) and what it was meant to be
// in every message, and a bound on nesting. No file pare reads needs more than a few levels, while
// one nested a million deep would exhaust the stack of any code that walks it, so deeper input is
// refused while it is parsed. Every JSON reader of pare goes through here (the safetensors header
// has its own scan, runtime/io/safetensors_reader.cpp).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pare {

inline constexpr int kMaxJsonDepth = 64;

// `text` as JSON; a syntax error or nesting deeper than kMaxJsonDepth throws pare::Error
// "<source>: ...".
nlohmann::json parse_json(std::string_view text, const std::string& source);

// The whole file as JSON; `what` names its role in errors ("model config", "recipe").
nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& what);

}  // namespace pare
