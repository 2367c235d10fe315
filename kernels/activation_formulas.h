// The activations and their derivatives, written once for the CPU and CUDA kernels
// (kernels/cpu/activation.cpp, kernels/cuda/activation.cu). `Math` supplies exp, erfc, tanh, abs,
// sqrt and select: the CPU's vectorisable approximations (kernels/cpu/vector_math.h) or CUDA's
// library functions, so the twins differ only there.
#pragma once

#include "kernels/activation.h"
#include "kernels/host_device.h"

namespace pare::kernels::activation_formulas {

constexpr float kSqrtHalf = 0.70710678118654752f;     // 1 / sqrt(2)
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1 / sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.79788456080286536f;  // sqrt(2 / pi)
constexpr float kGeluCubic = 0.044715f;

// GELU's two forms are written through quantities that stay accurate where x * Phi(x) is tiny:
// Phi(x) = erfc(-x / sqrt 2) / 2 rather than (1 + erf(x / sqrt 2)) / 2, and (1 + tanh u) / 2 as
// sigmoid(2u), whose 1 + (-1 + small) would otherwise cancel.
template <typename Math>
PARE_HOST_DEVICE inline float normal_cdf(float x) {
  return 0.5f * Math::erfc(-x * kSqrtHalf);
}

template <typename Math>
PARE_HOST_DEVICE inline float gelu_tanh_gate(float x) {
  const float u = kSqrt2OverPi * (x + kGeluCubic * x * x * x);
  return 1.0f / (1.0f + Math::exp(-2.0f * u));
}

template <Activation Act, typename Math>
PARE_HOST_DEVICE inline float forward(float x) {
  if constexpr (Act == Activation::gelu_erf) return x * normal_cdf<Math>(x);
  if constexpr (Act == Activation::gelu_tanh) return x * gelu_tanh_gate<Math>(x);
  if constexpr (Act == Activation::relu) return Math::select(x < 0.0f, 0.0f, x);  // NaN passes through
  if constexpr (Act == Activation::tanh) return Math::tanh(x);
  if constexpr (Act == Activation::abs) return Math::abs(x);
  if constexpr (Act == Activation::sqrt) return Math::sqrt(x);
  return 1.0f / (1.0f + Math::exp(-x));
}

// `s` is the forward's output for tanh, sigmoid and sqrt (backward_uses_output), its input otherwise.
template <Activation Act, typename Math>
PARE_HOST_DEVICE inline float derivative(float s) {
  if constexpr (Act == Activation::gelu_erf) return normal_cdf<Math>(s) + s * kInvSqrt2Pi * Math::exp(-0.5f * s * s);
  if constexpr (Act == Activation::gelu_tanh) {
    // d/dx x g(x) with g = sigmoid(2u): g + x * 2 g (1 - g) * du/dx.
    const float g = gelu_tanh_gate<Math>(s);
    const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * s * s);
    return g + 2.0f * s * g * (1.0f - g) * du;
  }
  if constexpr (Act == Activation::relu) return Math::select(s > 0.0f, 1.0f, 0.0f);
  if constexpr (Act == Activation::tanh) return 1.0f - s * s;
  if constexpr (Act == Activation::abs) return Math::select(s > 0.0f, 1.0f, Math::select(s < 0.0f, -1.0f, 0.0f));
  if constexpr (Act == Activation::sqrt) return 0.5f / s;
  return s * (1.0f - s);
}

}  // namespace pare::kernels::activation_formulas
