#include "runtime/json_differences.h"

namespace pare {
namespace {

using nlohmann::json;

std::string joined(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

void collect(const json& stored, const json& asked, const std::string& path, std::vector<std::string>& out) {
  if (stored.is_object() && asked.is_object()) {
    for (const auto& [key, value] : stored.items()) {
      if (asked.contains(key)) {
        collect(value, asked.at(key), joined(path, key), out);
      } else {
        out.push_back(joined(path, key) + ": the run has " + value.dump() + ", this command has none");
      }
    }
    for (const auto& [key, value] : asked.items()) {
      if (!stored.contains(key))
        out.push_back(joined(path, key) + ": the run has none, this command asks " + value.dump());
    }
    return;
  }
  if (stored != asked) out.push_back(path + ": the run has " + stored.dump() + ", this command asks " + asked.dump());
}

}  // namespace

std::vector<std::string> json_differences(const json& stored, const json& asked) {
  std::vector<std::string> out;
  collect(stored, asked, "", out);
  return out;
}

}  // namespace pare
