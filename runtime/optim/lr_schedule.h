// Linear warm-up then linear decay to 0: Hugging Face's get_linear_schedule_with_warmup.
#pragma once

#include <cstdint>

namespace pare {

class LinearWarmupDecay {
 public:
  LinearWarmupDecay(double base_lr, std::int64_t warmup_steps, std::int64_t total_steps);

  // The learning rate for optimizer step `step` (0-based): base_lr * step / warmup_steps during
  // warm-up, then base_lr * (total - step) / (total - warmup), never below 0. As in HF, step 0 of a
  // warm-up has lr 0, and a zero-length phase divides by 1 instead of 0.
  double lr(std::int64_t step) const;

  double base_lr() const { return base_lr_; }
  std::int64_t warmup_steps() const { return warmup_steps_; }
  std::int64_t total_steps() const { return total_steps_; }

 private:
  double base_lr_;
  std::int64_t warmup_steps_;
  std::int64_t total_steps_;
};

}  // namespace pare
