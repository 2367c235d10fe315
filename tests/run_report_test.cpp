// The words `pare run`'s report says of a stage slower than its teacher, and the threads its
// table says each speed was measured at (pipeline/run_report.h).
#include "pipeline/run_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace pare {
namespace {

using nlohmann::json;

// A report's stage entry with its measurements and the speed-ups against the teacher's 3.18 ms
// and 100 sequences a second.
json stage(const std::string& name, double latency_ms, double sequences_per_s) {
  return {{"name", name},
          {"latency_b1_ms", latency_ms},
          {"throughput_b32", sequences_per_s},
          {"latency_speedup", latency_ms > 0 ? 3.18 / latency_ms : 0.0},
          {"throughput_speedup", sequences_per_s / 100.0}};
}

TEST(RunReport, StagesSlowerThanTheTeacherAreSaidInWords) {
  json report = {{"stages",
                  {stage("teacher", 3.18, 100), stage("1-heads", 11.58, 150), stage("2-ffn", 2.5, 90),
                   stage("3-hidden", 0.9, 400)}}};
  EXPECT_EQ(slower_than_teacher(report),
            "- **1-heads is slower than the teacher at batch 1**: 11.58 ms a sequence against 3.18 ms.\n"
            "- **2-ffn is slower than the teacher at batch 32**: 90.0 sequences a second against 100.0.\n");
  report["sweep"] = {stage("sweep-rs5", 4.0, 120)};
  EXPECT_NE(slower_than_teacher(report).find("- **sweep-rs5 is slower than the teacher at batch 1**: 4.00 ms"),
            std::string::npos);
}

TEST(RunReport, NothingIsSaidWhenEveryStageIsFasterOrUnmeasured) {
  const json report = {{"stages", {stage("teacher", 3.18, 100), stage("1-heads", 1.2, 180), stage("2-ffn", 0, 0)}}};
  EXPECT_EQ(slower_than_teacher(report), "");
}

// A stage entry with every field the table prints; `threads` as the measurement left them (absent
// in records made before measurements kept the faster thread count).
json table_stage(const std::string& name, const json& threads) {
  json s = stage(name, 0.66, 3006.5);
  s.update({{"layers", {{{"heads", 2}}, {{"heads", 1}}}},
            {"dev", {{"accuracy", 0.88}}},
            {"test", nullptr},
            {"metric_of_teacher", 1.0},
            {"parameters", {{"encoder", 497728}, {"total", 2170242}}},
            {"sparsity", {{"encoder", 0.842}}},
            {"flops_per_token", {{"total", 1.07e6}}},
            {"wall_s", 49.0}});
  s.update(threads);
  return s;
}

TEST(RunReport, TableSaysTheThreadsEachSpeedWasMeasuredAt) {
  const json report = {{"metric", "accuracy"},
                       {"trivial", {{"dev", {{"accuracy", 0.5}}}, {"test", nullptr}}},
                       {"stages",
                        {table_stage("teacher", {{"latency_b1_threads", 2}, {"throughput_b32_threads", 2}}),
                         table_stage("hidden", {{"latency_b1_threads", 1}, {"throughput_b32_threads", 2}}),
                         table_stage("old", json::object())}}};
  const std::string table = stage_table(report);
  EXPECT_NE(table.find("| threads b1/b32 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| teacher | 3/3 |"), std::string::npos) << table;
  EXPECT_NE(table.find(" | 0.66 | 3006.5 | 2/2 | "), std::string::npos) << table;
  EXPECT_NE(table.find(" | 0.66 | 3006.5 | 1/2 | "), std::string::npos) << table;
  EXPECT_NE(table.find(" | 0.66 | 3006.5 | -/- | "), std::string::npos) << table;
  // Every row has as many cells as the header.
  std::istringstream lines(table);
  std::size_t header_cells = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto cells = static_cast<std::size_t>(std::count(line.begin(), line.end(), '|'));
    if (header_cells == 0) header_cells = cells;
    EXPECT_EQ(cells, header_cells) << line;
  }
}

}  // namespace
}  // namespace pare
