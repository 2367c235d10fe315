// sum_axis on CUDA: the twin of kernels/cpu/reduce.cpp.
#include "kernels/cuda/grid.h"
#include "kernels/reduce.h"

namespace pare::kernels::cuda {
namespace {

// One thread per output element, summing its column of the reduced axis in order.
__global__ void sum_axis_kernel(const float* x, float* out, std::int64_t outer, std::int64_t reduce,
                                std::int64_t inner) {
  const std::int64_t n = outer * inner;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const std::int64_t o = i / inner, c = i % inner;
    const float* column = x + o * reduce * inner + c;
    float acc = 0.0f;
    for (std::int64_t r = 0; r < reduce; ++r) acc += column[r * inner];
    out[i] = acc;
  }
}

}  // namespace

void sum_axis(const Context& ctx, const float* x, float* out, std::int64_t outer, std::int64_t reduce,
              std::int64_t inner) {
  const std::int64_t n = outer * inner;
  if (n == 0) return;
  sum_axis_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, out, outer, reduce, inner);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
