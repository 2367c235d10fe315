#include "kernels/activation.h"

#include <cmath>

#include "kernels/cpu/parallel_ranges.h"
#include "kernels/cpu/vector_math.h"  // vexp, verfc, vtanh, vselect

namespace pare::kernels::cpu {
namespace {

constexpr float kSqrtHalf = 0.70710678118654752f;     // 1 / sqrt(2)
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1 / sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.79788456080286536f;  // sqrt(2 / pi)
constexpr float kGeluCubic = 0.044715f;

// Worth a thread only when each thread gets tens of microseconds of work.
constexpr std::int64_t kParallelThreshold = 16384;

// GELU's two forms are written through quantities that stay accurate where x * Phi(x) is tiny:
// Phi(x) = erfc(-x / sqrt 2) / 2 rather than (1 + erf(x / sqrt 2)) / 2, and (1 + tanh u) / 2 as
// sigmoid(2u), whose 1 + (-1 + small) would otherwise cancel.
inline float normal_cdf(float x) { return 0.5f * verfc(-x * kSqrtHalf); }

inline float gelu_tanh_gate(float x) {
  const float u = kSqrt2OverPi * (x + kGeluCubic * x * x * x);
  return 1.0f / (1.0f + vexp(-2.0f * u));
}

template <Activation Act>
inline float forward(float x) {
  if constexpr (Act == Activation::gelu_erf) return x * normal_cdf(x);
  if constexpr (Act == Activation::gelu_tanh) return x * gelu_tanh_gate(x);
  if constexpr (Act == Activation::relu) return vselect(x < 0.0f, 0.0f, x);  // NaN passes through
  if constexpr (Act == Activation::tanh) return vtanh(x);
  if constexpr (Act == Activation::abs) return std::fabs(x);
  if constexpr (Act == Activation::sqrt) return std::sqrt(x);
  return 1.0f / (1.0f + vexp(-x));
}

template <Activation Act>
inline float derivative(float s) {
  if constexpr (Act == Activation::gelu_erf) return normal_cdf(s) + s * kInvSqrt2Pi * vexp(-0.5f * s * s);
  if constexpr (Act == Activation::gelu_tanh) {
    // d/dx x g(x) with g = sigmoid(2u): g + x * 2 g (1 - g) * du/dx.
    const float g = gelu_tanh_gate(s);
    const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * s * s);
    return g + 2.0f * s * g * (1.0f - g) * du;
  }
  if constexpr (Act == Activation::relu) return vselect(s > 0.0f, 1.0f, 0.0f);
  if constexpr (Act == Activation::tanh) return 1.0f - s * s;
  if constexpr (Act == Activation::abs) return vselect(s > 0.0f, 1.0f, vselect(s < 0.0f, -1.0f, 0.0f));
  if constexpr (Act == Activation::sqrt) return 0.5f / s;
  return s * (1.0f - s);
}

template <Activation Act>
PARE_VECTOR_CLONES void forward_range(const float* x, float* y, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) y[i] = forward<Act>(x[i]);
}

template <Activation Act>
PARE_VECTOR_CLONES void backward_range(const float* saved, const float* dy, float* dx, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * derivative<Act>(saved[i]);
}

template <Activation Act>
void forward_loop(const float* x, float* y, std::int64_t n) {
  parallel_ranges(n, kParallelThreshold, 16,
                  [&](std::int64_t begin, std::int64_t end) { forward_range<Act>(x + begin, y + begin, end - begin); });
}

template <Activation Act>
void backward_loop(const float* saved, const float* dy, float* dx, std::int64_t n) {
  parallel_ranges(n, kParallelThreshold, 16, [&](std::int64_t begin, std::int64_t end) {
    backward_range<Act>(saved + begin, dy + begin, dx + begin, end - begin);
  });
}

}  // namespace

void activation_forward(const Context&, Activation act, const float* x, float* y, std::int64_t n) {
  switch (act) {
    case Activation::gelu_erf:
      forward_loop<Activation::gelu_erf>(x, y, n);
      break;
    case Activation::gelu_tanh:
      forward_loop<Activation::gelu_tanh>(x, y, n);
      break;
    case Activation::relu:
      forward_loop<Activation::relu>(x, y, n);
      break;
    case Activation::tanh:
      forward_loop<Activation::tanh>(x, y, n);
      break;
    case Activation::sigmoid:
      forward_loop<Activation::sigmoid>(x, y, n);
      break;
    case Activation::abs:
      forward_loop<Activation::abs>(x, y, n);
      break;
    case Activation::sqrt:
      forward_loop<Activation::sqrt>(x, y, n);
      break;
  }
}

void activation_backward(const Context&, Activation act, const float* saved, const float* dy, float* dx,
                         std::int64_t n) {
  switch (act) {
    case Activation::gelu_erf:
      backward_loop<Activation::gelu_erf>(saved, dy, dx, n);
      break;
    case Activation::gelu_tanh:
      backward_loop<Activation::gelu_tanh>(saved, dy, dx, n);
      break;
    case Activation::relu:
      backward_loop<Activation::relu>(saved, dy, dx, n);
      break;
    case Activation::tanh:
      backward_loop<Activation::tanh>(saved, dy, dx, n);
      break;
    case Activation::sigmoid:
      backward_loop<Activation::sigmoid>(saved, dy, dx, n);
      break;
    case Activation::abs:
      backward_loop<Activation::abs>(saved, dy, dx, n);
      break;
    case Activation::sqrt:
      backward_loop<Activation::sqrt>(saved, dy, dx, n);
      break;
  }
}

}  // namespace pare::kernels::cpu
