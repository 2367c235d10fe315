// The words `pare run`'s report says of a stage slower than its teacher (pipeline/run_report.h).
#include "pipeline/run_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
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

}  // namespace
}  // namespace pare
