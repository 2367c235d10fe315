// JSON documents written with one value replaced by raw text, for the tests of how pare's JSON
// readers refuse numbers that no json value can hold as written (2^64, 1e400, -0, 3.5 for an integer).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace pare::testing {

// `document` as text with the value at `field` replaced by `raw`, written as is.
inline std::string with_raw(nlohmann::json document, const nlohmann::json::json_pointer& field,
                            const std::string& raw) {
  const std::string marker = "\"@raw@\"";
  document[field] = "@raw@";
  std::string text = document.dump();
  return text.replace(text.find(marker), marker.size(), raw);
}

}  // namespace pare::testing
