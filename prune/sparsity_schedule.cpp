#include "prune/sparsity_schedule.h"

#include <algorithm>
#include <cmath>

#include "runtime/error.h"  // PARE_CHECK

namespace pare {
namespace {

void check_sparsity(double s, const char* what) {
  PARE_CHECK(std::isfinite(s) && s >= 0.0 && s < 1.0, "sparsity schedule: ", what, " must be in [0, 1), got ", s);
}

}  // namespace

double cubic_ramp(std::int64_t step, std::int64_t warmup_steps, std::int64_t cooldown_begin_step) {
  PARE_CHECK(warmup_steps >= 0, "sparsity schedule: warmup_steps must be >= 0, got ", warmup_steps);
  PARE_CHECK(cooldown_begin_step > warmup_steps, "sparsity schedule: cooldown_begin_step (", cooldown_begin_step,
             ") must exceed warmup_steps (", warmup_steps, ")");
  if (step < warmup_steps) return 0.0;
  if (step >= cooldown_begin_step) return 1.0;
  const double p = static_cast<double>(step - warmup_steps) / static_cast<double>(cooldown_begin_step - warmup_steps);
  const double left = 1.0 - p;
  return 1.0 - left * left * left;
}

double cubic_sparsity(std::int64_t step, double final_sparsity, std::int64_t warmup_steps,
                      std::int64_t cooldown_begin_step) {
  check_sparsity(final_sparsity, "final sparsity");
  return final_sparsity * cubic_ramp(step, warmup_steps, cooldown_begin_step);
}

double agp_sparsity(std::int64_t step, double initial_sparsity, double final_sparsity, std::int64_t start_step,
                    std::int64_t interval_steps, std::int64_t total_times) {
  check_sparsity(initial_sparsity, "AGP initial sparsity");
  check_sparsity(final_sparsity, "AGP final sparsity");
  PARE_CHECK(start_step >= 0, "AGP: start step must be >= 0, got ", start_step);
  PARE_CHECK(interval_steps >= 1, "AGP: interval_steps must be >= 1, got ", interval_steps);
  PARE_CHECK(total_times >= 1, "AGP: total_times must be >= 1, got ", total_times);
  if (step < start_step) return 0.0;
  const std::int64_t updates = std::min((step - start_step) / interval_steps, total_times);
  const double left = 1.0 - static_cast<double>(updates) / static_cast<double>(total_times);
  return final_sparsity + (initial_sparsity - final_sparsity) * left * left * left;
}

std::int64_t cooldown_begin(const PruneSchedule& schedule, std::int64_t total_steps) {
  const std::int64_t end = schedule.cooldown_begin_step.value_or(total_steps);
  PARE_CHECK(end > schedule.warmup_steps, "sparsity schedule: cooldown_begin_step ",
             schedule.cooldown_begin_step ? "" : "(the end of training) ", end, " must exceed warmup_steps ",
             schedule.warmup_steps);
  return end;
}

double scheduled_sparsity(const PruneSchedule& schedule, double final_sparsity, std::int64_t step,
                          std::int64_t total_steps) {
  if (schedule.total_times) {
    return agp_sparsity(step, 0.0, final_sparsity, schedule.warmup_steps, schedule.interval_steps,
                        *schedule.total_times);
  }
  PARE_CHECK(schedule.interval_steps >= 1, "sparsity schedule: interval_steps must be >= 1, got ",
             schedule.interval_steps);
  const std::int64_t end = cooldown_begin(schedule, total_steps);
  std::int64_t at = step;
  if (step >= schedule.warmup_steps && step < end) {
    at = schedule.warmup_steps + (step - schedule.warmup_steps) / schedule.interval_steps * schedule.interval_steps;
  }
  return cubic_sparsity(at, final_sparsity, schedule.warmup_steps, end);
}

double regularization_scale(const PruneSchedule& schedule, std::int64_t step, std::int64_t total_steps) {
  PARE_CHECK(std::isfinite(schedule.regular_scale) && schedule.regular_scale >= 0.0,
             "sparsity schedule: regular_scale must be >= 0, got ", schedule.regular_scale);
  return schedule.regular_scale * cubic_ramp(step, schedule.warmup_steps, cooldown_begin(schedule, total_steps));
}

}  // namespace pare
