#include "kernels/random.h"

#include <cmath>

#include "kernels/cpu/thread_budget.h"
#include "kernels/philox.h"

namespace pare::kernels::cpu {

void random_normal(const Context&, float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter, float mean,
                   float std) {
  const std::int64_t blocks = (n + 3) / 4;
  const int threads = elementwise_threads(n, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    const Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(b), 0);
    float z[4];
    // Box-Muller: two uniforms give two independent normals.
    for (int pair = 0; pair < 2; ++pair) {
      const float u1 = uniform_from_bits(r.v[2 * pair]);
      const float u2 = uniform_from_bits(r.v[2 * pair + 1]);
      const float radius = std::sqrt(-2.0f * std::log(u1));
      const float angle = 6.28318530717958647692f * u2;
      z[2 * pair] = radius * std::cos(angle);
      z[2 * pair + 1] = radius * std::sin(angle);
    }
    for (int j = 0; j < 4 && b * 4 + j < n; ++j) out[b * 4 + j] = mean + std * z[j];
  }
}

void random_uniform(const Context&, float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter, float low,
                    float high) {
  const std::int64_t blocks = (n + 3) / 4;
  const int threads = elementwise_threads(n, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    const Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(b), 0);
    for (int j = 0; j < 4 && b * 4 + j < n; ++j) {
      // uniform_from_bits is in (0, 1]; 1 - u is in [0, 1).
      out[b * 4 + j] = low + (high - low) * (1.0f - uniform_from_bits(r.v[j]));
    }
  }
}

}  // namespace pare::kernels::cpu
