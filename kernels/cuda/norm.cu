// sum_of_squares on CUDA: the twin of kernels/cpu/norm.cpp, in double, in two passes so that a
// tensor of BERT-base's 23M embedding weights is spread over many blocks instead of one: pass 1 gives
// each of a fixed number of blocks (a function of n alone) a fixed set of elements and a fixed tree,
// writing one partial sum per block; pass 2 adds the partials in a fixed tree. No atomics, so the
// global norm does not vary run to run.
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"
#include "kernels/norm.h"

namespace pare::kernels::cuda {
namespace {

constexpr std::int64_t kElementsPerBlock = 16384;
constexpr std::int64_t kMaxBlocks = kThreadsPerBlock;  // pass 2's block takes one partial per thread

std::int64_t partial_blocks(std::int64_t n) {
  const std::int64_t wanted = (n + kElementsPerBlock - 1) / kElementsPerBlock;
  return wanted < 1 ? 1 : (wanted > kMaxBlocks ? kMaxBlocks : wanted);
}

__global__ void partial_sum_of_squares_kernel(const float* x, std::int64_t n, double* partial) {
  __shared__ double scratch[kThreadsPerBlock];
  double acc = 0.0;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    acc += static_cast<double>(x[i]) * x[i];
  }
  const double total = block_sum_double(acc, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

__global__ void add_partials_kernel(const double* partial, std::int64_t blocks, double* accumulator) {
  __shared__ double scratch[kThreadsPerBlock];
  const double total = block_sum_double(threadIdx.x < blocks ? partial[threadIdx.x] : 0.0, scratch);
  if (threadIdx.x == 0) *accumulator += total;
}

}  // namespace

void sum_of_squares(const Context& ctx, const float* x, std::int64_t n, double* accumulator) {
  const std::int64_t blocks = partial_blocks(n);
  const DeviceScratch partial(ctx, static_cast<std::size_t>(blocks) * sizeof(double));
  partial_sum_of_squares_kernel<<<static_cast<unsigned int>(blocks), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      x, n, partial.as<double>());
  PARE_CUDA_CHECK_LAUNCH(ctx);
  add_partials_kernel<<<1, kThreadsPerBlock, 0, stream_of(ctx)>>>(partial.as<double>(), blocks, accumulator);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
