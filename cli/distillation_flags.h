// The distillation flags `pare distill` and `pare prune --teacher DIR` share, and the options they
// make. Defaults: NNI's weights (0.1 task loss, 0.9 prediction-layer KL at T = 2) plus the layer-wise
// hidden-state MSE under CoFi's dynamic layer map; --task-weight 0 gives CoFi's objective.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/training_options.h"  // TrainFlags
#include "distill/distillation_options.h"

namespace pare::cli {

struct DistillationFlags {
  std::string teacher;  // model directory; empty: no distillation
  std::string layer_map = "cofi";
  double temperature = 2.0;
  double task_weight = 0.1;
  double logit_weight = 0.9;
  double hidden_weight = 1.0;
  std::vector<std::int64_t> teacher_layers;
  bool learned_projection = false;
};

// --teacher (required when `teacher_required`), --layer-map, --temperature, --task-weight,
// --logit-weight, --hidden-weight, --teacher-layers (comma-separated hidden_states indices).
void add_distillation_flags(CLI::App* cmd, DistillationFlags& flags, bool teacher_required);
// The hook's options; `seed` initialises a projection between different hidden widths. The task
// weight is not among them: it is TrainerOptions::task_loss_weight, to set from flags.task_weight.
// The options for a run of `train` (its seed and device).
DistillationOptions distillation_options(const DistillationFlags& flags, const TrainFlags& train);

}  // namespace pare::cli
