// The path of a value inside a JSON document, as pare's messages write it:
// stages[2].pruning[0].interval_steps. The parser (runtime/io/json_file.cpp) and the typed reader
// (runtime/io/json_reader.h) both name values this way, so a message points at the same place
// whichever of them refused it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pare {

// The path of member `key` of the object at `path` ("" is the document's root).
inline std::string json_member_path(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  return out.append(key);
}

// The path of element `index` of the array at `path`.
inline std::string json_element_path(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

}  // namespace pare
