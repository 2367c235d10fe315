#include "runtime/io/json_file.h"

#include <fstream>

#include "runtime/error.h"

namespace pare {

nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path);
  PARE_CHECK(in, "cannot open the ", what, " ", path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": not valid JSON (" + what + "): " + e.what());
  }
}

}  // namespace pare
