// keep_mask, apply_keep_mask on CUDA: the twins of kernels/cpu/dropout.cpp, drawing the same Philox
// stream (element e uses lane e % 4 of counter counter + e / 4), so the keep decisions equal the CPU's.
#include "kernels/cuda/grid.h"
#include "kernels/dropout.h"
#include "kernels/philox.h"

namespace pare::kernels::cuda {
namespace {

// One thread per Philox counter: element e of the stream uses lane e % 4 of counter counter + e / 4.
__global__ void keep_mask_kernel(std::uint8_t* mask, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
                                 float p) {
  const std::int64_t counters = (n + 3) / 4;
  for (std::int64_t c = first_index(); c < counters; c += grid_stride()) {
    const Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(c), 0);
    for (int lane = 0; lane < 4 && c * 4 + lane < n; ++lane) {
      mask[c * 4 + lane] = uniform_from_bits(r.v[lane]) > p ? 1 : 0;
    }
  }
}

__global__ void apply_keep_mask_kernel(const float* x, const std::uint8_t* mask, float scale, float* out,
                                       std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[i] = mask[i] ? x[i] * scale : 0.0f;
}

}  // namespace

void keep_mask(const Context& ctx, std::uint8_t* mask, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
               float p) {
  if (n == 0) return;
  keep_mask_kernel<<<blocks_for((n + 3) / 4), kThreadsPerBlock, 0, stream_of(ctx)>>>(mask, n, seed, counter, p);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void apply_keep_mask(const Context& ctx, const float* x, const std::uint8_t* mask, float scale, float* out,
                     std::int64_t n) {
  if (n == 0) return;
  apply_keep_mask_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, mask, scale, out, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
