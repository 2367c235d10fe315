// activation_forward, activation_backward: GELU (erf and tanh forms), ReLU, tanh, sigmoid, and the
// |x| and sqrt(x) that importance scores are made of.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels {

enum class Activation : std::uint8_t { gelu_erf, gelu_tanh, relu, tanh, sigmoid, abs, sqrt };

// The backward of tanh, sigmoid and sqrt is cheapest from their output, the others' from their input.
constexpr bool backward_uses_output(Activation act) {
  return act == Activation::tanh || act == Activation::sigmoid || act == Activation::sqrt;
}

}  // namespace pare::kernels

namespace pare::kernels::cpu {

// y[i] = f(x[i]).
void activation_forward(const Context& ctx, Activation act, const float* x, float* y, std::int64_t n);
// dx[i] = dy[i] * f'(x[i]), where `saved` is the forward's output y when backward_uses_output(act)
// and its input x otherwise.
void activation_backward(const Context& ctx, Activation act, const float* saved, const float* dy, float* dx,
                         std::int64_t n);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::activation_forward) activation_forward;
decltype(cpu::activation_backward) activation_backward;
}  // namespace pare::kernels::cuda
