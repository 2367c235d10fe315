// Flags the training commands share (pare pretrain, finetune, distill, prune) and what they turn
// into: TrainerOptions, the task's data, FinetuneOptions, and the JSON summary printed on stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "train/finetune.h"
#include "train/squad_task.h"

namespace pare::cli {

// Options of the training loop, as flags.
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
  std::string device = "cpu";
  std::string precision = "f32";
};

// --out (required), --steps, --epochs, --batch, --accum, --lr, --warmup, --warmup-ratio,
// --weight-decay, --max-grad-norm, --eval-every, --log-every, --save-every, --seed, --metric,
// --lower-is-better, --resume, --device, --precision.
void add_train_flags(CLI::App* cmd, TrainFlags& flags);
// Throws on --steps < 0 or both --steps and --epochs.
TrainerOptions trainer_options(const TrainFlags& flags);

// The task and its data, for commands that train on a named task.
// SQuAD's own settings (--task squad or squad_v2): windows and answer search.
struct SquadFlags {
  std::size_t doc_stride = 128, max_query_length = 64, n_best = 20, max_answer_length = 30;
  double null_threshold = 0.0;
};

struct TaskFlags {
  std::string task, data, brown;
  UserDataFiles user;
  std::size_t seq = 128, eval_batch = 64, max_train = 0, max_eval = 0;
  bool new_head = false;
  SquadFlags squad;
  const CLI::Option* seq_option = nullptr;  // whether --seq was given (SQuAD's default is 384)
};

bool is_squad_task(const std::string& task);
// --doc-stride, --max-query-length, --n-best, --max-answer-length, --null-threshold.
void add_squad_flags(CLI::App* cmd, SquadFlags& flags);
// The SQuAD files and settings of --task squad|squad_v2: --data DIR (the official train and dev files)
// or --train/--dev FILE; `need_train` false for evaluation; --seq 384 unless given.
SquadTask squad_task(const TaskFlags& flags, bool need_train);

// --task (or the user's files), --data, --brown, --seq, --eval-batch, --max-train, --max-eval, --new-head.
void add_task_flags(CLI::App* cmd, TaskFlags& flags);
// --train, --dev, --test, --text-column, --text-pair-column, --label-column, --regression.
void add_user_data_flags(CLI::App* cmd, UserDataFiles& files);
// Throws pare::Error unless exactly one of a task name or the user's files is given.
TaskDataSource data_source(const std::string& task, const std::string& data, const std::string& brown,
                           const UserDataFiles& user);
// --device as cli commands take it: cpu, cuda, cuda:N or guarded (the host-guarded test device).
void add_device_flag(CLI::App* cmd, std::string& device);
// --precision f32|bf16 (runtime/precision.h).
void add_precision_flag(CLI::App* cmd, std::string& precision);
// Fine-tuning `model_dir` on the task; 3 epochs when neither --steps nor --epochs is given.
FinetuneOptions finetune_options(const std::string& model_dir, const TaskFlags& task, const TrainFlags& train);

nlohmann::json metrics_json(const std::vector<MetricValue>& metrics);
// The run's summary as JSON; an interrupted run ends as an error that says how to continue.
nlohmann::json run_summary(const TrainResult& result);
// run_summary on stdout.
void report(const TrainResult& result);

}  // namespace pare::cli
