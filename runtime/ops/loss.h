// cross_entropy, mse_loss and kl_div_with_temperature: scalar losses, mean-reduced.
#pragma once

#include "runtime/tensor.h"

namespace pare {

// logits [N, C], targets [N] (i64 or i32). Mean over targets != ignore_index; with label smoothing
// eps the target distribution is (1 - eps) one-hot + eps / C. All targets ignored gives 0.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index = -100,
                     double label_smoothing = 0.0);
// mean((a - b)^2).
Tensor mse_loss(const Tensor& a, const Tensor& b);
// The temperatures kl_div_with_temperature accepts. In double precision the KL is exact to about
// 1e-10 of its value at T = 1e4 and loses digits beyond (1e-5 at 1e6); distillation uses 1 to 20.
constexpr double kMinKlTemperature = 1e-3;
constexpr double kMaxKlTemperature = 1e4;

// KL(softmax(teacher / T) || softmax(student / T)) * T^2, summed over the last axis and averaged
// over the rows (every other axis); never negative. Gradients flow to both inputs when they require
// them. A temperature outside [kMinKlTemperature, kMaxKlTemperature] throws naming it.
Tensor kl_div_with_temperature(const Tensor& student_logits, const Tensor& teacher_logits, double temperature);

}  // namespace pare
