// Reading JSON with pare's errors: the source (a file, a file and line) and what it was meant to be
// in every message, and the place of the fault inside the document (runtime/io/json_path.h). Every
// JSON reader of pare goes through here (the safetensors header has its own scan,
// runtime/io/safetensors_reader.cpp); runtime/io/json_reader.h then reads typed fields.
//
// Beyond JSON's syntax the parser refuses, naming the path and the text as written:
//  - nesting deeper than kMaxJsonDepth: no file pare reads needs more than a few levels, while one
//    nested a million deep would exhaust the stack of any code that walks it;
//  - a key given twice in one object: nlohmann would keep the last silently, so the first would be
//    a setting that looks applied and is not;
//  - a number no double holds (1e400) and an integer literal beyond 64 bits (nlohmann would fail
//    without naming the field, or turn the integer into an inexact double).
// JSON's -0 becomes the double -0.0 (nlohmann would make it the integer 0, and a count could not
// refuse the minus sign).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pare {

inline constexpr int kMaxJsonDepth = 64;

// `text` as JSON; a syntax error or any of the faults above throws pare::Error "<source>: ...".
nlohmann::json parse_json(std::string_view text, const std::string& source);

// The whole file as JSON; `what` names its role in errors ("model config", "recipe").
nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& what);

}  // namespace pare
