#include "kernels/dropout.h"

#include <algorithm>

#include "kernels/philox.h"  // philox4x32, uniform_from_bits

namespace pare::kernels::cpu {
namespace {

// Elements per task of keep_mask: a multiple of 4, so tasks split on counter boundaries.
constexpr std::int64_t kMaskChunk = 16384;

}  // namespace

void keep_mask_slice(std::uint8_t* mask, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
                     std::int64_t first, float p) {
  std::int64_t i = 0;
  while (i < n) {
    const std::int64_t e = first + i;
    const Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(e / 4), 0);
    // Lanes e % 4 .. 3 of this counter cover the elements up to the next multiple of 4.
    const std::int64_t lanes = std::min<std::int64_t>(4 - e % 4, n - i);
    for (std::int64_t l = 0; l < lanes; ++l) {
      // uniform_from_bits is in (0, 1], so p == 0 keeps everything and p == 1 drops everything.
      mask[i + l] = uniform_from_bits(r.v[e % 4 + l]) > p ? 1 : 0;
    }
    i += lanes;
  }
}

void keep_mask(std::uint8_t* mask, std::int64_t n, std::uint64_t seed, std::uint64_t counter, float p) {
  const std::int64_t chunks = (n + kMaskChunk - 1) / kMaskChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t first = c * kMaskChunk;
    keep_mask_slice(mask + first, std::min(kMaskChunk, n - first), seed, counter, first, p);
  }
}

void apply_keep_mask(const float* x, const std::uint8_t* mask, float scale, float* out, std::int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) out[i] = mask[i] ? x[i] * scale : 0.0f;
}

}  // namespace pare::kernels::cpu
