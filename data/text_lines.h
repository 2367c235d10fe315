// Reading a text file as numbered lines, the common ground of the TSV and corpus readers.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

// The file's lines without their '\n'. A UTF-8 byte-order mark at the start and a '\r' before each
// '\n' are dropped (Windows-edited copies of GLUE files have both); a final '\n' does not start an
// extra empty line. Line i of the file (1-based) is element i - 1. Throws pare::Error naming the
// file when it cannot be read.
std::vector<std::string> read_text_lines(const std::filesystem::path& file);

// Fields of a tab-separated line, views into `line` (no quoting: GLUE files are read with none).
std::vector<std::string_view> split_tabs(std::string_view line);

// "<file>:<line>: " for error messages.
std::string file_line_prefix(const std::filesystem::path& file, std::size_t line);

}  // namespace pare
