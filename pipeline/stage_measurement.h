// What a pipeline run reports for each model it makes: dev and test metrics, parameters of
// embeddings, encoder, pooler and head and their ratios to the original, FLOPs per token, and
// inference speed measured here (latency at batch 1, throughput at batch 32).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "runtime/device.h"
#include "train/task_data.h"

namespace pare {

struct MeasureOptions {
  TaskDataSource data;
  std::size_t seq = 128;  // evaluation's and the benchmark's tokens per sequence
  std::size_t eval_batch = 64;
  std::size_t max_eval = 0;   // at most this many dev and test examples (0: all)
  bool evaluate_test = true;  // the source has a labelled test split (has_labelled_split)
  std::int64_t latency_steps = 20;
  std::int64_t throughput_steps = 5;
  Device device = Device::cpu();
};

// {"dev": {metrics}, "test": {metrics} or null (evaluate_test false), "size": model_size_json
// against `original_dir` (itself when empty), "latency_b1_ms", "throughput_b32", and the OpenMP
// threads each was measured at ("latency_b1_threads", "throughput_b32_threads"): on the CPU the
// faster of one thread and the count in force}.
nlohmann::json measure_model_dir(const std::filesystem::path& model_dir, const std::filesystem::path& original_dir,
                                 const MeasureOptions& options);

// Whether the source has a labelled `split` to evaluate (GLUE's test files have no labels or may be
// absent; the user may give no test file).
bool has_labelled_split(const TaskDataSource& source, Split split);

// The metrics of always answering the training split's most frequent class (tag), or its mean
// score for regression, on `split`: the trivial baseline a model must beat.
nlohmann::json trivial_baseline(const TaskDataSource& source, Split split);

}  // namespace pare
