#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/io/safetensors.h"  // save_safetensors
#include "runtime/random.h"
#include "runtime/tensor.h"
#include "tests/test_support.h"  // ScratchDir, error_of
#include "train/metrics_log.h"
#include "train/progress_bar.h"
#include "train/trainer_state.h"

namespace pare {
namespace {

using testing::error_of;
using testing::ScratchDir;

TEST(ProgressBar, LineShowsStepRateEtaAndStatus) {
  ProgressBar bar("train", 200, stderr);
  EXPECT_EQ(bar.line(50, 12.34, 125.0, "loss 0.5000"),
            "train 50/200 [======>                 ]  25% | 12.3 seq/s | ETA 02:05 | loss 0.5000");
  EXPECT_EQ(ProgressBar::format_duration(3725), "1:02:05");
  EXPECT_EQ(ProgressBar::format_duration(std::nan("")), "--:--");
}

TEST(ProgressBar, LogFileGetsALineEveryNUpdatesAndTheLast) {
  const ScratchDir dir;
  const auto path = dir.path() / "progress.log";
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
}

TEST(MetricsLog, AppendsAcrossInstancesAndWritesNanAsNull) {
  const ScratchDir dir;
  const auto path = dir.path() / "metrics.jsonl";
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
}

TEST(MetricsLog, TornLastLineIsIgnoredButCorruptionElsewhereIsReported) {
  const ScratchDir dir;
  const auto path = dir.path() / "torn.jsonl";
  {
    std::ofstream out(path);
    out << "{\"step\": 1}\n{\"step\": 2}\n{\"st";
  }
  EXPECT_EQ(MetricsLog::read(path).size(), 2u);
  {
    std::ofstream out(path);
    out << "{\"step\": 1}\nnot json\n{\"step\": 3}\n";
  }
  const std::string error = error_of([&] { MetricsLog::read(path); });
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

TEST(TrainerState, RoundTripsEveryField) {
  Generator gen(1);
  TrainerState state;
  state.step = 1234;
  state.epoch = 3;
  state.batches_in_epoch = 17;
  state.data_seed = 99;
  state.has_best = true;
  state.best_metric = 0.8125;
  state.generators["dropout"] = {42, 1ull << 40};
  state.extra = {{"pruning", {{"threshold", 0.25}}}};
  state.optimizer["exp_avg.w"] = Tensor::randn({3, 4}, gen);
  state.optimizer["step"] = Tensor::full({}, 1234, DType::i64);
  const ScratchDir dir;
  const auto path = dir.path() / "trainer_state.safetensors";
  save_trainer_state(path, state);
  const TrainerState back = load_trainer_state(path);
  EXPECT_EQ(back.step, 1234);
  EXPECT_EQ(back.epoch, 3);
  EXPECT_EQ(back.batches_in_epoch, 17);
  EXPECT_EQ(back.data_seed, 99u);
  EXPECT_TRUE(back.has_best);
  EXPECT_EQ(back.best_metric, 0.8125);
  EXPECT_EQ(back.generators, state.generators);
  EXPECT_EQ(back.extra, state.extra);
  ASSERT_EQ(back.optimizer.size(), 2u);
  EXPECT_EQ(back.optimizer.at("exp_avg.w").to_vector<float>(), state.optimizer.at("exp_avg.w").to_vector<float>());
  EXPECT_EQ(back.optimizer.at("step").item(), 1234.0);
}

TEST(TrainerState, ForeignFileIsRejectedWithItsName) {
  const ScratchDir dir;
  const auto path = dir.path() / "weights.safetensors";
  save_safetensors(path, {{"w", Tensor::zeros({2})}});
  const std::string error = error_of([&] { load_trainer_state(path); });
  EXPECT_NE(error.find("weights.safetensors"), std::string::npos) << error;
  EXPECT_NE(error.find("not a pare trainer state"), std::string::npos) << error;
}

}  // namespace
}  // namespace pare
