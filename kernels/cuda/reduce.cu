// sum_axis, argmax_rows on CUDA: the twins of kernels/cpu/reduce.cpp.
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"
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

// A long reduced axis over few outputs (a bias gradient: [16384 tokens, 768] summed to [768]) would
// leave one thread per output walking every row. Then the rows go in blocks (at least 32 rows, at
// most 128 blocks, a function of `reduce` alone): pass 1 sums each block's rows in order for each
// output, pass 2 adds the blocks in order. Fixed orders and no atomics, so results do not vary run
// to run.
constexpr std::int64_t kMaxRowBlocks = 128;
constexpr std::int64_t kFewOutputs = 65536;

std::int64_t rows_per_block(std::int64_t reduce) {
  const std::int64_t even = (reduce + kMaxRowBlocks - 1) / kMaxRowBlocks;
  return even > 32 ? even : 32;
}

// Pass 1: grid (inner chunks, row blocks, outer); partial[o][blk][i].
__global__ void block_sum_kernel(const float* x, float* partial, std::int64_t reduce, std::int64_t inner,
                                 std::int64_t rows_per_block, std::int64_t blocks) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= inner) return;
  const std::int64_t blk = blockIdx.y, o = blockIdx.z;
  const std::int64_t begin = blk * rows_per_block;
  const std::int64_t end = begin + rows_per_block < reduce ? begin + rows_per_block : reduce;
  const float* column = x + o * reduce * inner + i;
  float acc = 0.0f;
  for (std::int64_t r = begin; r < end; ++r) acc += column[r * inner];
  partial[(o * blocks + blk) * inner + i] = acc;
}

// Pass 2: one thread per output adds its blocks in order.
__global__ void combine_blocks_kernel(const float* partial, float* out, std::int64_t outer, std::int64_t inner,
                                      std::int64_t blocks) {
  const std::int64_t n = outer * inner;
  for (std::int64_t k = first_index(); k < n; k += grid_stride()) {
    const std::int64_t o = k / inner, i = k % inner;
    const float* p = partial + o * blocks * inner + i;
    float acc = p[0];
    for (std::int64_t blk = 1; blk < blocks; ++blk) acc += p[blk * inner];
    out[k] = acc;
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
  const std::int64_t per_block = rows_per_block(reduce), blocks = (reduce + per_block - 1) / per_block;
  if (n >= kFewOutputs || blocks < 2 || inner == 1 || outer > 65535) {
    sum_axis_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, out, outer, reduce, inner);
    PARE_CUDA_CHECK_LAUNCH(ctx);
    return;
  }
  const DeviceScratch partial(ctx, static_cast<std::size_t>(outer * blocks * inner) * sizeof(float));
  const dim3 grid(static_cast<unsigned int>((inner + kThreadsPerBlock - 1) / kThreadsPerBlock),
                  static_cast<unsigned int>(blocks), static_cast<unsigned int>(outer));
  block_sum_kernel<<<grid, kThreadsPerBlock, 0, stream_of(ctx)>>>(x, partial.as<float>(), reduce, inner, per_block,
                                                                  blocks);
  PARE_CUDA_CHECK_LAUNCH(ctx);
  combine_blocks_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(partial.as<float>(), out, outer, inner,
                                                                                blocks);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void argmax_rows(const Context& ctx, const float* x, std::int64_t rows, std::int64_t cols, std::int64_t* out) {
  if (rows == 0) return;
  argmax_kernel<<<blocks_for(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, rows, cols, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
