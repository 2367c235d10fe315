// Pruning a model directory while fine-tuning it on a task: the training loop of finetune() with a
// Pruner hook (and any other hooks, such as distillation), and a result directory that holds, next
// to the trainer's metrics.jsonl, checkpoint/ and best/:
//   masks.safetensors  every masked parameter's final 0/1 mask under its HF name (prune/masks.h)
//   model/             the final model with the masks written into its weights, its tokenizer and
//                      labels.txt: a normal model directory that `pare speedup` can compact
//   sparsity.json      the masked fraction per config group and per encoder layer, and the dev
//                      metrics of the final masked model
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "prune/pruner.h"
#include "prune/pruning_config.h"
#include "train/finetune.h"

namespace pare {

// Hooks that run after the pruner in the same loop (distillation), made once the model is loaded;
// they may keep the pruner to read its masks.
using HooksAfterPruner = std::function<std::vector<std::shared_ptr<TrainingHook>>(
    BertTaskModel& model, const std::shared_ptr<const Pruner>& pruner)>;

struct PruneTaskOptions {
  // Model, task data and trainer options; finetune.trainer.output_dir is the result directory.
  // finetune.hooks must stay empty: the pruner's hooks go in more_hooks.
  FinetuneOptions finetune;
  PruningConfig config;
  PrunerOptions pruner;
  HooksAfterPruner more_hooks;
};

struct PruneTaskResult {
  TrainResult train;
  std::filesystem::path masks_file;
  std::filesystem::path model_dir;
  std::filesystem::path sparsity_file;
  nlohmann::json sparsity;  // what sparsity.json holds
};

// Throws before training when the config does not fit the model (prune/pruning_resolve.h). An
// interrupted run writes no result files; its checkpoint resumes with finetune.trainer.resume.
PruneTaskResult prune_on_task(const PruneTaskOptions& options);

}  // namespace pare
