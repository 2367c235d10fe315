#include "data/example.h"

#include <set>

#include "data/text_lines.h"  // read_text_lines, file_line_prefix
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"  // write_file_atomically

namespace pare {

const char* split_name(Split split) {
  switch (split) {
    case Split::train:
      return "train";
    case Split::dev:
      return "dev";
    case Split::test:
      return "test";
  }
  return "?";
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::train;
  if (name == "dev" || name == "validation") return Split::dev;
  if (name == "test") return Split::test;
  throw Error("unknown split '" + name + "' (expected train, dev or test)");
}

void save_label_names(const TaskInfo& task, const std::filesystem::path& file) {
  std::string text;
  for (const std::string& name : task.label_names) {
    PARE_CHECK(!name.empty() && name.find('\n') == std::string::npos, task.name,
               ": label names must be non-empty single lines");
    text += name + "\n";
  }
  write_file_atomically(file, text);
}

std::vector<std::string> load_label_names(const std::filesystem::path& file) {
  std::vector<std::string> names = read_text_lines(file);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    PARE_CHECK(!names[i].empty(), file_line_prefix(file, i + 1), "empty label name");
    PARE_CHECK(seen.insert(names[i]).second, file_line_prefix(file, i + 1), "label '", names[i], "' appears twice");
  }
  return names;
}

}  // namespace pare
