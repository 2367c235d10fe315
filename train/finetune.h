// Fine-tuning and evaluating a model directory on a named task (train/task_data.h): the model gets
// the task's head (sequence classification or regression, or token classification for tagging),
// the task's text goes through the directory's tokenizer, and the trainer evaluates task_metrics
// on the dev split. Every saved model directory carries the tokenizer and labels.txt.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "data/metrics.h"
#include "train/squad_task.h"
#include "train/task_data.h"
#include "train/trainer.h"

namespace pare {

// Hooks for a run, made once the model is loaded (a pruner resolves its config against it), so a
// config that does not fit the model fails before any training.
using HookFactory = std::function<std::vector<std::shared_ptr<TrainingHook>>(BertTaskModel& model)>;

struct FinetuneOptions {
  std::filesystem::path model_dir;  // config.json, weights and a tokenizer
  TaskDataSource data;
  std::size_t max_length = 128;  // tokens per example, special tokens included
  std::size_t eval_batch_size = 64;
  std::size_t max_train_examples = 0;  // 0: all (else evenly spaced over the split)
  std::size_t max_eval_examples = 0;
  TrainerOptions trainer;  // metric_for_best defaults to the task's first metric
  HookFactory hooks;       // none when empty
  // The model's task head: by default kept when it fits the task (its number of labels) and made
  // fresh when the checkpoint has none; a head that does not fit is an error. new_head replaces any
  // head with a fresh one; require_head (pruning, distillation: they need a fine-tuned model) makes a
  // checkpoint without the head's weights an error unless new_head.
  bool new_head = false;
  bool require_head = false;
  // SQuAD instead of `data` (train/squad_finetune.h): windows of every question, the QA head, dev
  // scored by the official rules; max_length is then unused (squad->windows.max_length).
  std::optional<SquadTask> squad;
};

// With `trained` given, it receives the model as training left it (hooks' transforms still on).
TrainResult finetune(const FinetuneOptions& options, std::shared_ptr<BertTaskModel>* trained = nullptr);

struct EvaluateOptions {
  std::filesystem::path model_dir;
  TaskDataSource data;
  Split split = Split::dev;
  std::size_t max_length = 128;
  std::size_t batch_size = 64;
  std::size_t max_examples = 0;
  Device device = Device::cpu();
};

// The task's metrics and "loss" of the model directory on a split. The model's head must fit the
// task (its kind and number of labels, and labels.txt when the directory has one).
std::vector<MetricValue> evaluate_model(const EvaluateOptions& options);

}  // namespace pare
