// MetricsLog: one JSON object per line (JSONL) appended to metrics.jsonl and flushed at once, so a
// crash loses at most the line being written and a resumed run keeps appending.
#pragma once

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace pare {

class MetricsLog {
 public:
  // Opens `path` for appending (creating it and its directory); throws pare::Error naming the path.
  explicit MetricsLog(const std::filesystem::path& path);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Writes `record` as one line. Non-finite numbers become null (JSON has no NaN).
  void write(const nlohmann::json& record);
  // Every record of a metrics file, for reports and tests; a torn last line (a crash mid-write) is
  // ignored, a malformed line elsewhere throws naming the file and line.
  static std::vector<nlohmann::json> read(const std::filesystem::path& path);
  // Rewrites the file (atomically) with only the records of steps up to `step`: what a resumed run
  // keeps, so that the steps it trains again after its checkpoint are not logged twice. Absent: nothing.
  static void keep_through_step(const std::filesystem::path& path, std::int64_t step);

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

}  // namespace pare
