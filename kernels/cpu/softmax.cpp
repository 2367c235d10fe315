#include "kernels/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/thread_budget.h"
#include "kernels/cpu/vector_math.h"  // vexp

namespace pare::kernels::cpu {
namespace {

constexpr std::int64_t kParallelThreshold = 16384;

float row_max(const float* x, std::int64_t cols) {
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (std::int64_t j = 0; j < cols; ++j) m = vselect(x[j] > m, x[j], m);  // std::max stays scalar under GCC
  return m;
}

// Writes exp(x - shift) to y (when y is not null) and returns the sum.
float exp_shifted(const float* x, float shift, float* y, std::int64_t cols) {
  float sum = 0.0f;
  if (y != nullptr) {
#pragma omp simd reduction(+ : sum)
    for (std::int64_t j = 0; j < cols; ++j) {
      const float e = vexp(x[j] - shift);
      y[j] = e;
      sum += e;
    }
  } else {
#pragma omp simd reduction(+ : sum)
    for (std::int64_t j = 0; j < cols; ++j) sum += vexp(x[j] - shift);
  }
  return sum;
}

}  // namespace

void softmax_forward(const Context&, const float* x, float* y, std::int64_t rows, std::int64_t cols) {
  const int threads = elementwise_threads(rows * cols, kParallelThreshold);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float inv = 1.0f / exp_shifted(xr, row_max(xr, cols), yr, cols);
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) yr[j] *= inv;
  }
}

void softmax_backward(const Context&, const float* y, const float* dy, float* dx, std::int64_t rows,
                      std::int64_t cols) {
  const int threads = elementwise_threads(rows * cols, kParallelThreshold);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float* dr = dx + r * cols;
    float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
    for (std::int64_t j = 0; j < cols; ++j) dot += gr[j] * yr[j];
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) dr[j] = yr[j] * (gr[j] - dot);
  }
}

void log_softmax_forward(const Context&, const float* x, float* y, std::int64_t rows, std::int64_t cols) {
  const int threads = elementwise_threads(rows * cols, kParallelThreshold);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float m = row_max(xr, cols);
    const float log_sum = std::log(exp_shifted(xr, m, nullptr, cols));
    // x - m first: exact for the entries near the max, where a rounded m + log_sum would not be.
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - m) - log_sum;
  }
}

void log_softmax_backward(const Context&, const float* y, const float* dy, float* dx, std::int64_t rows,
                          std::int64_t cols) {
  const int threads = elementwise_threads(rows * cols, kParallelThreshold);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float* dr = dx + r * cols;
    float total = 0.0f;
#pragma omp simd reduction(+ : total)
    for (std::int64_t j = 0; j < cols; ++j) total += gr[j];
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) dr[j] = gr[j] - vexp(yr[j]) * total;
  }
}

}  // namespace pare::kernels::cpu
