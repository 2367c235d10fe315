// The model benchmark behind `pare bench`: a tiny model for two steps in each mode, its JSON,
// its parameter count against a hand count, and the errors bad options give.
#include "train/model_benchmark.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "models/bert_heads.h"
#include "runtime/error.h"

namespace pare {
namespace {

constexpr std::int64_t kVocab = 1000;

// BERT's parameters written out for the tiny size (hidden 128, 2 layers, FFN 512, 512 positions,
// 2 token types) with the pooler.
std::int64_t tiny_encoder_parameters(std::int64_t vocab) {
  const std::int64_t h = 128, ffn = 512;
  const std::int64_t embeddings = vocab * h + 512 * h + 2 * h + 2 * h;
  const std::int64_t attention = 4 * (h * h + h) + 2 * h;
  const std::int64_t feed_forward = (h * ffn + ffn) + (ffn * h + h) + 2 * h;
  const std::int64_t pooler = h * h + h;
  return embeddings + 2 * (attention + feed_forward) + pooler;
}

ModelBenchmarkOptions two_steps(BenchMode mode) {
  ModelBenchmarkOptions options;
  options.mode = mode;
  options.batch = 3;
  options.seq = 16;
  options.steps = 2;
  options.warmup = 1;
  return options;
}

ModelBenchmarkResult run_tiny(BenchMode mode, BertTask task = BertTask::sequence_classification) {
  auto model = build_benchmark_model({"", "tiny", kVocab}, mode, task, 1);
  return run_model_benchmark(*model, two_steps(mode), "tiny");
}

void expect_consistent_json(const nlohmann::ordered_json& j, const ModelBenchmarkOptions& options) {
  for (const char* key : {"seq_per_s", "tokens_per_s", "ms_per_step", "ms_min", "ms_p90", "ms_max", "ms_mean"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
  for (const char* key : {"parameters", "threads", "peak_memory_bytes", "start_memory_bytes", "max_rss_bytes"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(j["batch"], options.batch);
  EXPECT_EQ(j["seq"], options.seq);
  EXPECT_EQ(j["steps"], options.steps);
  EXPECT_EQ(j["device"], "cpu");
  EXPECT_EQ(j["mode"], bench_mode_name(options.mode));
  ASSERT_EQ(j["step_ms"].size(), static_cast<std::size_t>(options.steps));
  const double ms = j["ms_per_step"], seq_per_s = j["seq_per_s"];
  EXPECT_NEAR(ms * seq_per_s, static_cast<double>(options.batch) * 1000.0, 1e-6 * options.batch * 1000.0);
  EXPECT_NEAR(j["tokens_per_s"].get<double>(), seq_per_s * static_cast<double>(options.seq),
              1e-6 * seq_per_s * options.seq);
  EXPECT_LE(j["ms_min"].get<double>(), ms);
  EXPECT_LE(ms, j["ms_p90"].get<double>());
  EXPECT_LE(j["ms_p90"].get<double>(), j["ms_max"].get<double>());
  EXPECT_GE(j["peak_memory_bytes"].get<double>(), j["start_memory_bytes"].get<double>());
  EXPECT_GE(j["max_rss_bytes"].get<double>(), j["peak_memory_bytes"].get<double>());
}

TEST(ModelBenchmark, InferTinyReportsConsistentNumbers) {
  const ModelBenchmarkResult result = run_tiny(BenchMode::infer);
  expect_consistent_json(to_json(result), two_steps(BenchMode::infer));
  EXPECT_EQ(result.architecture, "BertModel");
  EXPECT_EQ(result.parameters, tiny_encoder_parameters(kVocab));
  EXPECT_EQ(result.num_layers, 2);
  EXPECT_EQ(result.hidden_size, 128);
  // Weights alone are 4 bytes per parameter; the forward's activations come on top.
  EXPECT_GE(result.start_memory_bytes, static_cast<std::size_t>(4 * result.parameters));
  EXPECT_GT(result.peak_memory_bytes, result.start_memory_bytes);
  EXPECT_FALSE(to_json(result).contains("final_loss"));
}

TEST(ModelBenchmark, TrainTinySequenceClassificationTakesOptimizerSteps) {
  const ModelBenchmarkResult result = run_tiny(BenchMode::train);
  const nlohmann::ordered_json j = to_json(result);
  expect_consistent_json(j, two_steps(BenchMode::train));
  EXPECT_EQ(result.architecture, "BertForSequenceClassification");
  EXPECT_EQ(result.parameters, tiny_encoder_parameters(kVocab) + 128 * 2 + 2);
  // Weights, gradients and two AdamW moments are all alive before the timed steps.
  EXPECT_GE(result.start_memory_bytes, static_cast<std::size_t>(16 * result.parameters));
  // Two balanced classes: the loss stays near log 2 after a few small steps.
  ASSERT_TRUE(j.contains("final_loss"));
  EXPECT_NEAR(result.final_loss, std::log(2.0), 0.3);
}

TEST(ModelBenchmark, TrainTinyMaskedLm) {
  const ModelBenchmarkResult result = run_tiny(BenchMode::train, BertTask::masked_lm);
  expect_consistent_json(to_json(result), two_steps(BenchMode::train));
  EXPECT_EQ(result.architecture, "BertForMaskedLM");
  // No pooler; the tied decoder adds only its bias, plus the transform's dense and LayerNorm.
  const std::int64_t h = 128, pooler = h * h + h;
  EXPECT_EQ(result.parameters, tiny_encoder_parameters(kVocab) - pooler + (h * h + h) + 2 * h + kVocab);
  // Near-uniform predictions over the vocabulary at initialisation.
  EXPECT_NEAR(result.final_loss, std::log(static_cast<double>(kVocab)), 0.5);
}

TEST(ModelBenchmark, ThreadOptionAppliesForTheRunOnly) {
  const int before = omp_get_max_threads();
  ModelBenchmarkOptions options = two_steps(BenchMode::infer);
  options.threads = 1;
  auto model = build_benchmark_model({"", "tiny", kVocab}, BenchMode::infer);
  EXPECT_EQ(run_model_benchmark(*model, options, "tiny").threads, 1);
  EXPECT_EQ(omp_get_max_threads(), before);
}

TEST(ModelBenchmark, ModelDirectoryTrainsItsOwnHeadUnlessTold) {
  const std::filesystem::path dir = std::filesystem::path(PARE_TEST_DATA_DIR) / "bert_tiny" / "mlm";
  EXPECT_EQ(build_benchmark_model({dir, "", kVocab}, BenchMode::train)->task(), BertTask::masked_lm);
  EXPECT_EQ(build_benchmark_model({dir, "", kVocab}, BenchMode::train, BertTask::sequence_classification)->task(),
            BertTask::sequence_classification);
  auto encoder = build_benchmark_model({dir, "", kVocab}, BenchMode::infer);
  EXPECT_EQ(encoder->task(), BertTask::base);
  ModelBenchmarkOptions options = two_steps(BenchMode::infer);
  options.seq = 8;
  const ModelBenchmarkResult result = run_model_benchmark(*encoder, options, dir.string());
  EXPECT_EQ(result.vocab_size, encoder->config().vocab_size);
  EXPECT_GT(result.seq_per_s, 0.0);
}

template <typename Fn>
void expect_error(Fn&& fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing \"" << fragment << "\"";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ModelBenchmark, BadArgumentsAreRejected) {
  expect_error([] { build_benchmark_model({"", "huge", kVocab}, BenchMode::infer); }, "huge");
  expect_error([] { build_benchmark_model({"", "tiny", 0}, BenchMode::infer); }, "vocab_size");
  expect_error([] { build_benchmark_model({"", "", kVocab}, BenchMode::infer); }, "exactly one");
  expect_error([] { build_benchmark_model({"some/dir", "tiny", kVocab}, BenchMode::infer); }, "exactly one");
  expect_error([] { bench_mode_from_name("eval"); }, "--mode");
  expect_error(
      [] {
        build_benchmark_model({"/nonexistent/model", "", kVocab}, BenchMode::infer);
      },
      "/nonexistent/model/config.json");

  auto model = build_benchmark_model({"", "tiny", kVocab}, BenchMode::infer);
  auto with = [&](auto change) {
    ModelBenchmarkOptions options = two_steps(BenchMode::infer);
    change(options);
    return [model, options] { run_model_benchmark(*model, options, "tiny"); };
  };
  expect_error(with([](ModelBenchmarkOptions& o) { o.batch = 0; }), "--batch");
  expect_error(with([](ModelBenchmarkOptions& o) { o.seq = 0; }), "--seq");
  expect_error(with([](ModelBenchmarkOptions& o) { o.seq = 513; }), "max_position_embeddings (512)");
  expect_error(with([](ModelBenchmarkOptions& o) { o.steps = 0; }), "--steps");
  expect_error(with([](ModelBenchmarkOptions& o) { o.warmup = -1; }), "--warmup");
  expect_error(with([](ModelBenchmarkOptions& o) { o.threads = -2; }), "--threads");
  // The encoder alone has no loss to train.
  expect_error(with([](ModelBenchmarkOptions& o) { o.mode = BenchMode::train; }), "needs a model with a head");
}

}  // namespace
}  // namespace pare
