// Flags and output shared by the commands that train (pretrain, finetune, prune, distill): the
// trainer's options, the task and its data, and the JSON summary a run prints on stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/metrics.h"     // MetricValue
#include "train/finetune.h"   // FinetuneOptions
#include "train/task_data.h"  // TaskDataSource
#include "train/trainer.h"    // TrainerOptions, TrainResult

namespace pare::cli {

struct TrainFlags {
  std::string out;
  std::int64_t steps = 0;
  double epochs = 0;
  std::size_t batch = 32;
  std::int64_t accumulation = 1;
  double lr = 0;
  std::int64_t warmup = 0;
  double warmup_ratio = 0;
  double weight_decay = 0.01;
  double max_grad_norm = 1.0;
  std::int64_t eval_every = 0;
  std::int64_t log_every = 50;
  std::int64_t save_every = 0;
  std::uint64_t seed = 42;
  std::string metric;
  bool lower_is_better = false;
  bool resume = false;
};

void add_train_flags(CLI::App* cmd, TrainFlags& flags);
// Throws on flags that contradict each other (--steps with --epochs, negative steps).
TrainerOptions trainer_options(const TrainFlags& flags);

// A model directory trained on a task: what finetune, prune and distill take.
struct TaskFlags {
  std::string model, task, data, brown;
  std::size_t seq = 128, eval_batch = 64, max_train = 0, max_eval = 0;
};

// --model (required, described by `model_help`), --task (required), --data, --brown, --seq,
// --eval-batch, --max-train, --max-eval.
void add_task_flags(CLI::App* cmd, TaskFlags& flags, const std::string& model_help);
TaskDataSource data_source(const std::string& task, const std::string& data, const std::string& brown);
// FinetuneOptions from both sets of flags; `default_epochs` when neither --steps nor --epochs.
FinetuneOptions finetune_options(const TaskFlags& task, const TrainFlags& train, double default_epochs);

nlohmann::json metrics_json(const std::vector<MetricValue>& metrics);
// The run's summary as JSON; an interrupted run throws, saying how to continue.
nlohmann::json run_summary(const TrainResult& result);

}  // namespace pare::cli
