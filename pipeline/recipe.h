// Recipe: the stages of a pruning pipeline (`pare run`), read from JSON. A run goes:
//   [vocabulary and MLM pretraining on Brown, only when no model is given]
//   -> teacher: the model fine-tuned on the task (skipped for an already fine-tuned model)
//   -> [attention_removed: the teacher with every attention head removed and retrained, a baseline]
//   -> each of `stages` in order: pruning under its config while distilling the teacher into the
//      model, then speed-up surgery; the next stage starts from the smaller model.
//   -> [int8: the last stage's model quantized (models/int8_model.h), unless "int8": false]
//   -> [onnx: the last stage's model as onnx/final.onnx, checked by ONNX Runtime (pipeline/onnx_step.h),
//      unless "onnx": false]
//
// {
//   "name": "nni-transformer", "description": "...",
//   "seq": 128, "batch": 32, "eval_batch": 64, "save_every": 100,
//   "pretrain": {"size": "mini", "vocab_size": 8000, "steps": 600, "lr": 1e-3, "seq": 128},
//   "teacher": {"steps": 600, "lr": 2e-4},
//   "attention_removed": {"steps": 300, "lr": 2e-4},
//   "stages": [{"name": "heads", "pruning": [groups] or "file.json", "steps": 600, "lr": 1e-4,
//               "score_lr": 0.05, "distill": {"task_weight": 0.1, ...} or false}],
//   "int8": true, "onnx": true
// }
// Training blocks take steps (required, > 0), lr, warmup_ratio (0.1) and batch (the recipe's).
// A stage's "pruning" is a pruning config (prune/pruning_config.h), inline or a file relative to
// the recipe; "distill" defaults to NNI's objective (0.1 task, 0.9 KL at T = 2) plus the hidden-state
// MSE under CoFi's dynamic layer map. Every error names the recipe, the field's path and the value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "distill/distillation_options.h"
#include "prune/pruning_config.h"

namespace pare {

struct TrainingBlock {
  std::int64_t steps = 0;
  double lr = 1e-4;
  double warmup_ratio = 0.1;
  std::size_t batch = 32;
};

struct PretrainBlock {
  std::string size = "mini";  // models/bert_sizes.h
  std::int64_t vocab_size = 8000;
  std::size_t seq = 128;
  TrainingBlock train;
};

struct DistillBlock {
  DistillBlock() { options.logit_weight = 0.9; }  // NNI's 0.9 KL beside the 0.1 task loss
  bool enabled = true;
  double task_weight = 0.1;  // TrainerOptions::task_loss_weight
  DistillationOptions options;
};

struct PruneStage {
  std::string name;  // a directory name: letters, digits, '-' and '_'
  PruningConfig pruning;
  nlohmann::json pruning_json;  // as given (files inlined), for the run's record
  TrainingBlock train;
  double score_lr = 1e-2;  // Adam rate of movement scores
  DistillBlock distill;
};

struct Recipe {
  std::string name;
  std::string description;
  std::size_t seq = 128;
  std::size_t batch = 32;
  std::size_t eval_batch = 64;
  std::int64_t save_every = 100;  // checkpoint interval of every training stage, for resume
  PretrainBlock pretrain;
  TrainingBlock teacher;
  TrainingBlock attention_removed;  // steps 0: no such baseline
  std::vector<PruneStage> stages;
  bool int8 = true;               // the int8 stage: the final model quantized and measured
  bool onnx = true;               // the onnx step: the final model exported and checked
  std::string source = "recipe";  // the file, named in errors

  // `json` sits at `path` in the document `source` ("" when it is the whole document).
  static Recipe from_json(const nlohmann::json& json, const std::string& source = "recipe",
                          const std::filesystem::path& base_dir = ".", const std::string& path = "");
  static Recipe load(const std::filesystem::path& path);
  // Every field with its value, defaults included (but "int8" and "onnx", written only when false) and pruning
  // configs inlined: what run.json records and what a resumed run compares. from_json(to_json())
  // gives the same recipe.
  nlohmann::json to_json() const;
};

// The shipped recipe named `name` ("default", "quick"): pipeline/recipes/<name>.json.
Recipe shipped_recipe(const std::string& name);
std::filesystem::path shipped_recipe_dir();

}  // namespace pare
