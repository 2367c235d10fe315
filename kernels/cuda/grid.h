// Grid-stride loops and block-wide reductions shared by the CUDA kernels.
#pragma once

#include <cstdint>

#include "kernels/cuda/launch.h"

namespace pare::kernels::cuda {

// The element indices this thread handles in a grid-stride loop over n.
__device__ inline std::int64_t first_index() {
  return blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
}
__device__ inline std::int64_t grid_stride() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x; }

// Sum and max of one value per thread over the block (kThreadsPerBlock threads), returned to every
// thread. `scratch` holds kThreadsPerBlock / 32 floats of shared memory.
struct SumOp {
  static constexpr float identity = 0.0f;
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct MaxOp {
  static constexpr float identity = -INFINITY;
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

template <typename Op>
__device__ inline float warp_reduce(float v, Op op) {
  for (int offset = 16; offset > 0; offset /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

template <typename Op>
__device__ inline float block_reduce(float v, float* scratch, Op op) {
  v = warp_reduce(v, op);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < kThreadsPerBlock / 32 ? scratch[lane] : Op::identity;
  return warp_reduce(v, op);
}

__device__ inline float block_sum(float v, float* scratch) { return block_reduce(v, scratch, SumOp{}); }
__device__ inline float block_max(float v, float* scratch) { return block_reduce(v, scratch, MaxOp{}); }
__device__ inline float warp_sum(float v) { return warp_reduce(v, SumOp{}); }
__device__ inline float warp_max(float v) { return warp_reduce(v, MaxOp{}); }

// This thread's warp in a grid-stride loop over warps (a warp per row), its lane, and the warps in the grid.
__device__ inline std::int64_t first_warp() {
  return (blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x) / 32;
}
__device__ inline std::int64_t warp_stride() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x / 32; }

// Blocks of kThreadsPerBlock threads for one warp per item, capped like blocks_for.
inline unsigned int blocks_for_warps(std::int64_t warps) { return blocks_for(warps * 32); }

}  // namespace pare::kernels::cuda

namespace pare::kernels::cuda {

// The sum of one double per thread over the block, returned to thread 0 only. `scratch` holds
// kThreadsPerBlock doubles of shared memory. A fixed tree, so the result does not vary run to run.
__device__ inline double block_sum_double(double v, double* scratch) {
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (int stride = kThreadsPerBlock / 2; stride > 0; stride /= 2) {
    if (static_cast<int>(threadIdx.x) < stride) scratch[threadIdx.x] += scratch[threadIdx.x + stride];
    __syncthreads();
  }
  return scratch[0];
}

}  // namespace pare::kernels::cuda
