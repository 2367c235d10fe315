#include "kernels/masking.h"

#include <limits>

#include "kernels/cpu/thread_budget.h"

namespace pare::kernels::cpu {

void masked_fill(const Context&, const float* x, const std::uint8_t* mask, float value, float* out, std::int64_t n) {
  const int threads = elementwise_threads(n, 65536);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t i = 0; i < n; ++i) out[i] = mask[i] ? value : x[i];
}

void padding_to_additive(const Context&, const float* padding, float* out, std::int64_t n) {
  // Finite, unlike -inf: a row with every key padded then softmaxes to a uniform row, not NaN.
  constexpr float kMasked = std::numeric_limits<float>::lowest();
  for (std::int64_t i = 0; i < n; ++i) out[i] = padding[i] != 0.0f ? 0.0f : kMasked;
}

}  // namespace pare::kernels::cpu
