// activation_forward, activation_backward on CUDA: the twins of kernels/cpu/activation.cpp, the same
// formulas (kernels/activation_formulas.h) with CUDA's erfcf/expf/tanhf where the CPU uses its
// vectorised approximations.
#include "kernels/activation.h"
#include "kernels/activation_formulas.h"
#include "kernels/cuda/grid.h"

namespace pare::kernels::cuda {
namespace {

// CUDA's math for kernels/activation_formulas.h: its library functions.
struct LibraryMath {
  __device__ static float exp(float x) { return expf(x); }
  __device__ static float erfc(float x) { return erfcf(x); }
  __device__ static float tanh(float x) { return tanhf(x); }
  __device__ static float abs(float x) { return fabsf(x); }
  __device__ static float sqrt(float x) { return sqrtf(x); }
  __device__ static float select(bool c, float a, float b) { return c ? a : b; }
};

template <Activation Act>
__device__ float forward(float x) {
  return activation_formulas::forward<Act, LibraryMath>(x);
}

template <Activation Act>
__device__ float derivative(float s) {
  return activation_formulas::derivative<Act, LibraryMath>(s);
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
