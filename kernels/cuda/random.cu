// random_normal, random_uniform on CUDA: the twins of kernels/cpu/random.cpp. Each thread draws one
// Philox block of 4 values, so element i depends only on (seed, counter + i / 4), as on the CPU; the
// values agree with the CPU's to the last few ulps of logf, cosf and sinf.
#include "kernels/cuda/grid.h"
#include "kernels/philox.h"
#include "kernels/random.h"

namespace pare::kernels::cuda {
namespace {

__global__ void random_normal_kernel(float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter, float mean,
                                     float std) {
  const std::int64_t blocks = (n + 3) / 4;
  for (std::int64_t b = first_index(); b < blocks; b += grid_stride()) {
    const Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(b), 0);
    float z[4];
    for (int pair = 0; pair < 2; ++pair) {
      const float u1 = uniform_from_bits(r.v[2 * pair]);
      const float u2 = uniform_from_bits(r.v[2 * pair + 1]);
      const float radius = sqrtf(-2.0f * logf(u1));
      const float angle = 6.28318530717958647692f * u2;
      z[2 * pair] = radius * cosf(angle);
      z[2 * pair + 1] = radius * sinf(angle);
    }
    for (int j = 0; j < 4 && b * 4 + j < n; ++j) out[b * 4 + j] = mean + std * z[j];
  }
}

__global__ void random_uniform_kernel(float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter, float low,
                                      float high) {
  const std::int64_t blocks = (n + 3) / 4;
  for (std::int64_t b = first_index(); b < blocks; b += grid_stride()) {
    const Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(b), 0);
    for (int j = 0; j < 4 && b * 4 + j < n; ++j)
      out[b * 4 + j] = low + (high - low) * (1.0f - uniform_from_bits(r.v[j]));
  }
}

}  // namespace

void random_normal(const Context& ctx, float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
                   float mean, float std) {
  if (n == 0) return;
  random_normal_kernel<<<blocks_for((n + 3) / 4), kThreadsPerBlock, 0, stream_of(ctx)>>>(out, n, seed, counter, mean,
                                                                                         std);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void random_uniform(const Context& ctx, float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
                    float low, float high) {
  if (n == 0) return;
  random_uniform_kernel<<<blocks_for((n + 3) / 4), kThreadsPerBlock, 0, stream_of(ctx)>>>(out, n, seed, counter, low,
                                                                                          high);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
