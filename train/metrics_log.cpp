#include "train/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/json_file.h"

namespace pare {

MetricsLog::MetricsLog(const std::filesystem::path& path) : path_(path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  file_ = std::fopen(path.c_str(), "a");
  PARE_CHECK(file_ != nullptr, "cannot open metrics log '", path.string(), "': ", std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void MetricsLog::write(const nlohmann::json& record) {
  // nlohmann writes NaN and inf as null; invalid UTF-8 in a string (a file name, say) is replaced
  // instead of throwing and losing the record.
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  PARE_CHECK(std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0,
             "cannot write metrics log '", path_.string(), "': ", std::strerror(errno));
}

std::vector<nlohmann::json> MetricsLog::read(const std::filesystem::path& path) {
  std::ifstream in(path);
  PARE_CHECK(in.good(), "cannot read metrics log '", path.string(), "'");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<nlohmann::json> records;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    try {
      records.push_back(parse_json(lines[i], path.string()));
    } catch (const Error&) {
      PARE_CHECK(i + 1 == lines.size(), "metrics log '", path.string(), "' line ", i + 1, " is not valid JSON");
    }
  }
  return records;
}

void MetricsLog::keep_through_step(const std::filesystem::path& path, std::int64_t step) {
  if (!std::filesystem::exists(path)) return;
  std::string kept;
  for (const nlohmann::json& record : read(path)) {
    const auto at = record.find("step");
    if (at != record.end() && at->is_number_integer() && at->get<std::int64_t>() > step) continue;
    kept += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  write_file_atomically(path, kept);
}

}  // namespace pare
