// activation_forward, activation_backward on CUDA: the twins of kernels/cpu/activation.cpp, with
// CUDA's erfcf/expf/tanhf where the CPU uses its vectorised approximations.
#include "kernels/activation.h"
#include "kernels/cuda/grid.h"

namespace pare::kernels::cuda {
namespace {

constexpr float kSqrtHalf = 0.70710678118654752f;     // 1 / sqrt(2)
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1 / sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.79788456080286536f;  // sqrt(2 / pi)
constexpr float kGeluCubic = 0.044715f;

__device__ float normal_cdf(float x) { return 0.5f * erfcf(-x * kSqrtHalf); }

__device__ float gelu_tanh_gate(float x) {
  const float u = kSqrt2OverPi * (x + kGeluCubic * x * x * x);
  return 1.0f / (1.0f + expf(-2.0f * u));
}

template <Activation Act>
__device__ float forward(float x) {
  if constexpr (Act == Activation::gelu_erf) return x * normal_cdf(x);
  if constexpr (Act == Activation::gelu_tanh) return x * gelu_tanh_gate(x);
  if constexpr (Act == Activation::relu) return x < 0.0f ? 0.0f : x;  // NaN passes through
  if constexpr (Act == Activation::tanh) return tanhf(x);
  if constexpr (Act == Activation::abs) return fabsf(x);
  if constexpr (Act == Activation::sqrt) return sqrtf(x);
  return 1.0f / (1.0f + expf(-x));
}

// `s` is the forward's output for tanh, sigmoid and sqrt (backward_uses_output), its input otherwise.
template <Activation Act>
__device__ float derivative(float s) {
  if constexpr (Act == Activation::gelu_erf) return normal_cdf(s) + s * kInvSqrt2Pi * expf(-0.5f * s * s);
  if constexpr (Act == Activation::gelu_tanh) {
    const float g = gelu_tanh_gate(s);
    const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * s * s);
    return g + 2.0f * s * g * (1.0f - g) * du;
  }
  if constexpr (Act == Activation::relu) return s > 0.0f ? 1.0f : 0.0f;
  if constexpr (Act == Activation::tanh) return 1.0f - s * s;
  if constexpr (Act == Activation::abs) return s > 0.0f ? 1.0f : (s < 0.0f ? -1.0f : 0.0f);
  if constexpr (Act == Activation::sqrt) return 0.5f / s;
  return s * (1.0f - s);
}

template <Activation Act>
__global__ void forward_kernel(const float* x, float* y, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) y[i] = forward<Act>(x[i]);
}

template <Activation Act>
__global__ void backward_kernel(const float* saved, const float* dy, float* dx, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) dx[i] = dy[i] * derivative<Act>(saved[i]);
}

template <Activation Act>
void launch(const Context& ctx, bool backward, const float* in, const float* dy, float* out, std::int64_t n) {
  if (backward) {
    backward_kernel<Act><<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(in, dy, out, n);
  } else {
    forward_kernel<Act><<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(in, out, n);
  }
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void run(const Context& ctx, Activation act, bool backward, const float* in, const float* dy, float* out,
         std::int64_t n) {
  if (n == 0) return;
  switch (act) {
    case Activation::gelu_erf:
      return launch<Activation::gelu_erf>(ctx, backward, in, dy, out, n);
    case Activation::gelu_tanh:
      return launch<Activation::gelu_tanh>(ctx, backward, in, dy, out, n);
    case Activation::relu:
      return launch<Activation::relu>(ctx, backward, in, dy, out, n);
    case Activation::tanh:
      return launch<Activation::tanh>(ctx, backward, in, dy, out, n);
    case Activation::sigmoid:
      return launch<Activation::sigmoid>(ctx, backward, in, dy, out, n);
    case Activation::abs:
      return launch<Activation::abs>(ctx, backward, in, dy, out, n);
    case Activation::sqrt:
      return launch<Activation::sqrt>(ctx, backward, in, dy, out, n);
  }
}

}  // namespace

void activation_forward(const Context& ctx, Activation act, const float* x, float* y, std::int64_t n) {
  run(ctx, act, false, x, nullptr, y, n);
}

void activation_backward(const Context& ctx, Activation act, const float* saved, const float* dy, float* dx,
                         std::int64_t n) {
  run(ctx, act, true, saved, dy, dx, n);
}

}  // namespace pare::kernels::cuda
