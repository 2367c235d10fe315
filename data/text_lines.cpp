#include "data/text_lines.h"

#include <fstream>
#include <sstream>

#include "runtime/error.h"

namespace pare {

std::vector<std::string> read_text_lines(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  PARE_CHECK(in.is_open(), "cannot open ", file.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  PARE_CHECK(!in.bad(), "cannot read ", file.string());
  std::string text = std::move(buffer).str();

  std::string_view rest(text);
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  std::vector<std::string> lines;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.emplace_back(line);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const std::size_t tab = line.find('\t');
    fields.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  return fields;
}

std::string file_line_prefix(const std::filesystem::path& file, std::size_t line) {
  return file.string() + ":" + std::to_string(line) + ": ";
}

}  // namespace pare
