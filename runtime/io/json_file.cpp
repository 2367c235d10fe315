#include "runtime/io/json_file.h"

#include "runtime/error.h"
#include "runtime/io/input_file.h"

namespace pare {

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  using nlohmann::json;
  try {
    // The callback sees each value's depth (0 for the outermost) as the parser reaches it, before
    // anything deeper is built.
    return json::parse(text, [&source](int depth, json::parse_event_t, json&) {
      PARE_CHECK(depth < kMaxJsonDepth, source, ": JSON nested deeper than ", kMaxJsonDepth, " levels");
      return true;
    });
  } catch (const json::exception& e) {
    throw Error(source + ": not valid JSON: " + e.what());
  }
}

nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& what) {
  return parse_json(read_input_file(path, what), path.string() + " (" + what + ")");
}

}  // namespace pare
