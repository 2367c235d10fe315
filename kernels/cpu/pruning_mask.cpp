#include "kernels/pruning_mask.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/thread_budget.h"

namespace pare::kernels::cpu {
namespace {

void check_finite(const float* values, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) {
      throw std::invalid_argument("score entry " + std::to_string(i) + " is not finite (" + std::to_string(values[i]) +
                                  ")");
    }
  }
}

float entry_or_one(const float* entries, std::int64_t index) { return index < 0 ? 1.0f : entries[index]; }

}  // namespace

void mask_expand(const Context&, const float* entries, bool shared, const std::int64_t* row_index,
                 const std::int64_t* col_index, std::int64_t rows, std::int64_t cols, float* out) {
  const int threads = elementwise_threads(rows * cols, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) {
    float* row = out + r * cols;
    if (shared) {
      const float factor = entry_or_one(entries, row_index[r]);
      for (std::int64_t c = 0; c < cols; ++c) row[c] = factor * entry_or_one(entries, col_index[c]);
    } else {
      const float* lead = entries + row_index[r];
      for (std::int64_t c = 0; c < cols; ++c) row[c] = lead[col_index[c]];
    }
  }
}

void mask_reduce(const Context&, const float* x, bool shared, const std::int64_t* row_index,
                 const std::int64_t* col_index, std::int64_t rows, std::int64_t cols, std::int64_t entries,
                 float* out) {
  std::vector<double> sums(static_cast<std::size_t>(entries), 0.0);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    const std::int64_t e0 = row_index[r];
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::int64_t e1 = col_index[c];
      if (!shared) {
        sums[static_cast<std::size_t>(e0 + e1)] += row[c];
        continue;
      }
      if (e0 >= 0) sums[static_cast<std::size_t>(e0)] += row[c];
      if (e1 >= 0 && e1 != e0) sums[static_cast<std::size_t>(e1)] += row[c];
    }
  }
  std::transform(sums.begin(), sums.end(), out, [](double s) { return static_cast<float>(s); });
}

void keep_top_k(const Context&, const float* values, std::int64_t n, std::int64_t k, float* out) {
  check_finite(values, n);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return values[a] > values[b]; });
  std::fill(out, out + n, 0.0f);
  for (std::int64_t i = 0; i < k; ++i) out[order[static_cast<std::size_t>(i)]] = 1.0f;
}

void sigmoid_at_least(const Context&, const float* values, std::int64_t n, double threshold, float* out) {
  check_finite(values, n);
  for (std::int64_t i = 0; i < n; ++i) {
    out[i] = 1.0 / (1.0 + std::exp(-static_cast<double>(values[i]))) >= threshold ? 1.0f : 0.0f;
  }
}

}  // namespace pare::kernels::cpu
