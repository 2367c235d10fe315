#include "runtime/optim/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "runtime/error.h"

namespace pare {

LinearWarmupDecay::LinearWarmupDecay(double base_lr, std::int64_t warmup_steps, std::int64_t total_steps)
    : base_lr_(base_lr), warmup_steps_(warmup_steps), total_steps_(total_steps) {
  PARE_CHECK(std::isfinite(base_lr) && base_lr >= 0.0, "LinearWarmupDecay: base_lr must be finite and >= 0, got ",
             base_lr);
  PARE_CHECK(warmup_steps >= 0 && total_steps >= 0, "LinearWarmupDecay: warmup_steps (", warmup_steps,
             ") and total_steps (", total_steps, ") must be >= 0");
}

double LinearWarmupDecay::lr(std::int64_t step) const {
  PARE_CHECK(step >= 0, "LinearWarmupDecay: step must be >= 0, got ", step);
  if (step < warmup_steps_) {
    return base_lr_ * static_cast<double>(step) / static_cast<double>(std::max<std::int64_t>(1, warmup_steps_));
  }
  const double remaining = static_cast<double>(total_steps_ - step) /
                           static_cast<double>(std::max<std::int64_t>(1, total_steps_ - warmup_steps_));
  return base_lr_ * std::max(0.0, remaining);
}

}  // namespace pare
