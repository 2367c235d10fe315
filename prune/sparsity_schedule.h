// Sparsity schedules: how much of a group is pruned at a given optimizer step. The NNI-style cubic
// ramp (warm-up, cubic rise, cool-down), the soft-mode regularisation ramp of the same shape, and
// AGP (Zhu & Gupta 2017), whose sparsity rises in total_times steps every interval_steps.
#pragma once

#include <cstdint>

#include "prune/pruning_config.h"  // PruneSchedule

namespace pare {

// The fraction of the way through the ramp: 0 before warmup_steps, 1 - (1 - p)^3 with
// p = (step - warmup_steps) / (cooldown_begin_step - warmup_steps) in between, 1 from
// cooldown_begin_step on. Throws unless 0 <= warmup_steps < cooldown_begin_step.
double cubic_ramp(std::int64_t step, std::int64_t warmup_steps, std::int64_t cooldown_begin_step);

// final_sparsity * cubic_ramp(...): the NNI movement pruner's sparsity. final_sparsity in [0, 1).
double cubic_sparsity(std::int64_t step, double final_sparsity, std::int64_t warmup_steps,
                      std::int64_t cooldown_begin_step);

// AGP: s = s_f + (s_i - s_f) * (1 - k / n)^3 where k = floor((step - start_step) / interval_steps)
// is the number of updates made so far, capped at n = total_times. Before start_step nothing is
// pruned yet (0); at start_step the sparsity is s_i; from start_step + n * interval_steps on it is
// s_f. Both sparsities in [0, 1), interval_steps and total_times at least 1.
double agp_sparsity(std::int64_t step, double initial_sparsity, double final_sparsity, std::int64_t start_step,
                    std::int64_t interval_steps, std::int64_t total_times);

// The schedule's end of ramp: cooldown_begin_step, or total_steps (the end of training) when the
// config leaves it out. Throws when neither gives a step after warmup_steps.
std::int64_t cooldown_begin(const PruneSchedule& schedule, std::int64_t total_steps);

// The target sparsity of a group with final sparsity `final_sparsity` at `step` of a run of
// `total_steps`. With total_times set: AGP from 0 starting at warmup_steps. Otherwise the cubic ramp,
// read at the last step on which masks were recomputed (warmup_steps + a multiple of interval_steps,
// or cooldown_begin once it is reached), so that the sparsity changes only when masks do.
double scheduled_sparsity(const PruneSchedule& schedule, double final_sparsity, std::int64_t step,
                          std::int64_t total_steps);

// Soft movement mode: the weight of the mean(sigmoid(score)) penalty at `step`,
// regular_scale * cubic_ramp(step, warmup_steps, cooldown_begin).
double regularization_scale(const PruneSchedule& schedule, std::int64_t step, std::int64_t total_steps);

}  // namespace pare
