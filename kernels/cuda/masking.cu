// masked_fill, padding_to_additive on CUDA: the twins of kernels/cpu/masking.cpp.
#include <cfloat>

#include "kernels/cuda/grid.h"
#include "kernels/masking.h"

namespace pare::kernels::cuda {
namespace {

__global__ void masked_fill_kernel(const float* x, const std::uint8_t* mask, float value, float* out, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[i] = mask[i] ? value : x[i];
}

__global__ void padding_to_additive_kernel(const float* padding, float* out, std::int64_t n) {
  // Finite, unlike -inf: a row with every key padded softmaxes to a uniform row, not NaN.
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[i] = padding[i] != 0.0f ? 0.0f : -FLT_MAX;
}

}  // namespace

void masked_fill(const Context& ctx, const float* x, const std::uint8_t* mask, float value, float* out,
                 std::int64_t n) {
  if (n == 0) return;
  masked_fill_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, mask, value, out, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void padding_to_additive(const Context& ctx, const float* padding, float* out, std::int64_t n) {
  if (n == 0) return;
  padding_to_additive_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(padding, out, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
