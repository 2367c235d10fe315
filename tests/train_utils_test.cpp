#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "runtime/error.h"
#include "train/metrics_log.h"
#include "train/progress_bar.h"

namespace pare {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("pare-test-" + std::to_string(getpid()) + "-" + name);
}

TEST(ProgressBar, LineShowsStepRateEtaAndStatus) {
  ProgressBar bar("train", 200, stderr);
  EXPECT_EQ(bar.line(50, 12.34, 125.0, "loss 0.5000"),
            "train 50/200 [======>                 ]  25% | 12.3 seq/s | ETA 02:05 | loss 0.5000");
  EXPECT_EQ(ProgressBar::format_duration(3725), "1:02:05");
  EXPECT_EQ(ProgressBar::format_duration(std::nan("")), "--:--");
}

TEST(ProgressBar, LogFileGetsALineEveryNUpdatesAndTheLast) {
  const auto path = temp_path("progress.log");
  {
    std::FILE* out = std::fopen(path.c_str(), "w");
    ProgressBar bar("eval", 7, out, 3);
    for (int i = 1; i <= 7; ++i) bar.update(i, 8, "");
    bar.finish();
    std::fclose(out);
  }
  std::ifstream in(path);
  int lines = 0;
  std::string last;
  for (std::string line; std::getline(in, line); ++lines) last = line;
  EXPECT_EQ(lines, 3);  // updates 3, 6 and the final 7
  EXPECT_EQ(last.rfind("eval 7/7", 0), 0u) << last;
  std::filesystem::remove(path);
}

TEST(MetricsLog, AppendsAcrossInstancesAndWritesNanAsNull) {
  const auto path = temp_path("metrics.jsonl");
  std::filesystem::remove(path);
  {
    MetricsLog log(path);
    log.write({{"step", 1}, {"loss", 0.5}});
  }
  {
    MetricsLog log(path);
    log.write({{"step", 2}, {"loss", std::nan("")}});
  }
  const auto records = MetricsLog::read(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["loss"].get<double>(), 0.5);
  EXPECT_TRUE(records[1]["loss"].is_null());
  std::filesystem::remove(path);
}

TEST(MetricsLog, TornLastLineIsIgnoredButCorruptionElsewhereIsReported) {
  const auto path = temp_path("torn.jsonl");
  {
    std::ofstream out(path);
    out << "{\"step\": 1}\n{\"step\": 2}\n{\"st";
  }
  EXPECT_EQ(MetricsLog::read(path).size(), 2u);
  {
    std::ofstream out(path);
    out << "{\"step\": 1}\nnot json\n{\"step\": 3}\n";
  }
  try {
    MetricsLog::read(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace pare
