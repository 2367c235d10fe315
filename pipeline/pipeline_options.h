// What `pare run` runs: a recipe, the model it starts from, the task's data, where the run goes,
// and how. The same options are stored in the run directory (run.json), so `pare run --resume RUN`
// needs nothing else and a run started otherwise is recognised and refused.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/recipe.h"
#include "runtime/device.h"
#include "runtime/precision.h"
#include "train/task_data.h"

namespace pare {

struct PipelineOptions {
  Recipe recipe;
  // Empty: a sentencepiece vocabulary and MLM pretraining on Brown's training split come first.
  std::filesystem::path model_dir;
  bool finetuned = false;  // model_dir is already fine-tuned on the task: it is the teacher as it is
  TaskDataSource data;
  std::filesystem::path out;
  std::uint64_t seed = 42;
  Precision precision = Precision::f32;
  Device device = Device::cpu();
  std::size_t max_train = 0;           // at most this many training examples, evenly spread (0: all)
  std::size_t max_eval = 0;            // dev and test examples (0: all)
  std::int64_t latency_steps = 20;     // timed batch-1 forwards per model
  std::int64_t throughput_steps = 10;  // timed batch-32 forwards per model
  // Only the first pruning stage, under each of these regular_scale values (pare sweep); empty:
  // the whole recipe.
  std::vector<double> sweep_regular_scales;
  std::FILE* progress = stderr;  // null: quiet
};

// Everything that decides the run's result, as JSON (run.json): the recipe in full, the model,
// the data, the seed, the precision, the limits and pare's version. Paths are stored as given.
nlohmann::json options_json(const PipelineOptions& options);
// The inverse, for --resume; `source` (run.json's path) is named in errors.
PipelineOptions options_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace pare
