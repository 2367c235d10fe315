// sum_axis, argmax_rows on CUDA: the twins of kernels/cpu/reduce.cpp.
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

// One thread per row; the first largest entry wins, as std::max_element has it.
__global__ void argmax_kernel(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t* out) {
  for (std::int64_t r = first_index(); r < rows; r += grid_stride()) {
    const float* row = x + r * cols;
    std::int64_t best = 0;
    for (std::int64_t j = 1; j < cols; ++j) {
      if (row[best] < row[j]) best = j;
    }
    out[r] = best;
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

void argmax_rows(const Context& ctx, const float* x, std::int64_t rows, std::int64_t cols, std::int64_t* out) {
  if (rows == 0) return;
  argmax_kernel<<<blocks_for(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, rows, cols, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
