// sum_of_squares on CUDA: the twin of kernels/cpu/norm.cpp, in double. One block with a fixed
// assignment of elements to threads and a fixed tree, so the global norm does not vary run to run.
#include "kernels/cuda/grid.h"
#include "kernels/norm.h"

namespace pare::kernels::cuda {
namespace {

__global__ void sum_of_squares_kernel(const float* x, std::int64_t n, double* accumulator) {
  __shared__ double scratch[kThreadsPerBlock];
  double acc = 0.0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) acc += static_cast<double>(x[i]) * x[i];
  const double total = block_sum_double(acc, scratch);
  if (threadIdx.x == 0) *accumulator += total;
}

}  // namespace

void sum_of_squares(const Context& ctx, const float* x, std::int64_t n, double* accumulator) {
  sum_of_squares_kernel<<<1, kThreadsPerBlock, 0, stream_of(ctx)>>>(x, n, accumulator);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
