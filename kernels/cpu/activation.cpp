#include "kernels/activation.h"

#include <cmath>

#include "kernels/activation_formulas.h"
#include "kernels/cpu/parallel_ranges.h"
#include "kernels/cpu/vector_math.h"  // vexp, verfc, vtanh, vselect

namespace pare::kernels::cpu {
namespace {

// Worth a thread only when each thread gets tens of microseconds of work.
constexpr std::int64_t kParallelThreshold = 16384;

// The CPU's math for kernels/activation_formulas.h: vectorisable approximations.
struct VectorMath {
  static float exp(float x) { return vexp(x); }
  static float erfc(float x) { return verfc(x); }
  static float tanh(float x) { return vtanh(x); }
  static float abs(float x) { return std::fabs(x); }
  static float sqrt(float x) { return std::sqrt(x); }
  static float select(bool c, float a, float b) { return vselect(c, a, b); }
};

template <Activation Act>
inline float forward(float x) {
  return activation_formulas::forward<Act, VectorMath>(x);
}

template <Activation Act>
inline float derivative(float s) {
  return activation_formulas::derivative<Act, VectorMath>(s);
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
