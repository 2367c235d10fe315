#include "runtime/io/json_file.h"

#include <fstream>
#include <sstream>

#include "runtime/error.h"

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
  std::ifstream in(path, std::ios::binary);
  PARE_CHECK(in, path.string(), ": cannot open the ", what);
  std::ostringstream text;
  text << in.rdbuf();
  PARE_CHECK(!in.bad(), path.string(), ": cannot read the ", what);
  return parse_json(text.str(), path.string() + " (" + what + ")");
}

}  // namespace pare
