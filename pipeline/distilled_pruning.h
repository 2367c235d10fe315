// Pruning while distilling: the teacher's predictions and hidden states guide the model that the
// pruner masks, in the same training loop (what `pare prune --teacher` and every stage of
// `pare run` do). CoFi's layer map then skips student layers whose every head the masks removed,
// as it would after surgery.
#pragma once

#include <filesystem>

#include "distill/distillation_options.h"
#include "prune/prune_task.h"

namespace pare {

// Adds the distillation hook to `options` (its more_hooks) and sets the trainer's task-loss weight.
// Throws when the teacher's tokenizer differs from the student's (options.finetune.model_dir).
void add_distillation(PruneTaskOptions& options, const std::filesystem::path& teacher_dir,
                      const DistillationOptions& distillation, double task_weight);

}  // namespace pare
