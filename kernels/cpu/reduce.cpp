#include "kernels/reduce.h"

#include <algorithm>

#include "kernels/cpu/thread_budget.h"

namespace pare::kernels::cpu {

void sum_axis(const Context&, const float* x, float* out, std::int64_t outer, std::int64_t reduce, std::int64_t inner) {
  if (inner == 1) {
    const int threads = elementwise_threads(outer * reduce, 32768);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (std::int64_t o = 0; o < outer; ++o) {
      const float* row = x + o * reduce;
      float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
      for (std::int64_t r = 0; r < reduce; ++r) acc += row[r];
      out[o] = acc;
    }
    return;
  }
  // Columns are split into chunks so each thread streams rows of its chunk contiguously.
  constexpr std::int64_t kChunk = 256;
  const std::int64_t chunks = (inner + kChunk - 1) / kChunk;
  const int threads = elementwise_threads(outer * reduce * inner, 32768);
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::int64_t begin = c * kChunk, end = std::min(inner, begin + kChunk);
      float* dst = out + o * inner;
      for (std::int64_t i = begin; i < end; ++i) dst[i] = 0.0f;
      for (std::int64_t r = 0; r < reduce; ++r) {
        const float* src = x + (o * reduce + r) * inner;
        for (std::int64_t i = begin; i < end; ++i) dst[i] += src[i];
      }
    }
  }
}

void argmax_rows(const Context&, const float* x, std::int64_t rows, std::int64_t cols, std::int64_t* out) {
  const int threads = elementwise_threads(rows * cols, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    out[r] = static_cast<std::int64_t>(std::max_element(row, row + cols) - row);
  }
}

}  // namespace pare::kernels::cpu
