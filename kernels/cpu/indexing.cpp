#include "kernels/indexing.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/cpu/thread_budget.h"

namespace pare::kernels::cpu {
namespace {

// Columns one scatter task owns: a few cache lines per row keeps the row reads streaming while
// still giving every thread work for rows as narrow as BERT's 768.
constexpr std::int64_t kScatterColumns = 64;

}  // namespace

void copy_rows(const Context&, const void* src, void* dst, std::int64_t rows, std::int64_t row_bytes,
               std::int64_t dst_row_bytes) {
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  const int threads = elementwise_threads(rows * row_bytes, 262144);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    std::memcpy(out + r * dst_row_bytes, in + r * row_bytes, static_cast<std::size_t>(row_bytes));
  }
}

void gather_rows(const Context&, const float* x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                 const std::int64_t* idx, std::int64_t m, float* out) {
  for (std::int64_t j = 0; j < m; ++j) {
    if (idx[j] < 0 || idx[j] >= n) {
      throw std::out_of_range("index " + std::to_string(idx[j]) + " at position " + std::to_string(j) +
                              " out of range [0, " + std::to_string(n) + ")");
    }
  }
  const std::int64_t rows = outer * m;
  const int threads = elementwise_threads(rows * inner, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t o = r / m, j = r % m;
    std::memcpy(out + r * inner, x + (o * n + idx[j]) * inner, static_cast<std::size_t>(inner) * sizeof(float));
  }
}

void scatter_add_rows(const Context&, const float* grad_out, std::int64_t outer, std::int64_t m, std::int64_t inner,
                      const std::int64_t* idx, std::int64_t n, std::int64_t skip_index, float* grad_x) {
  const std::int64_t blocks = (inner + kScatterColumns - 1) / kScatterColumns;
  const std::int64_t tasks = outer * blocks;
  const int threads = elementwise_threads(outer * m * inner, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t task = 0; task < tasks; ++task) {
    const std::int64_t o = task / blocks;
    const std::int64_t begin = (task % blocks) * kScatterColumns;
    const std::int64_t end = std::min(inner, begin + kScatterColumns);
    const float* g = grad_out + o * m * inner;
    float* dst = grad_x + o * n * inner;
    for (std::int64_t j = 0; j < m; ++j) {
      if (idx[j] == skip_index) continue;
      const float* src = g + j * inner;
      float* row = dst + idx[j] * inner;
      for (std::int64_t c = begin; c < end; ++c) row[c] += src[c];
    }
  }
}

}  // namespace pare::kernels::cpu
