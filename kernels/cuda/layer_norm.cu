// layer_norm_forward, layer_norm_backward on CUDA: the twins of kernels/cpu/layer_norm.cpp (the
// `normalized` >= cols form and the residual sum included). One block per row for the forward and the
// input gradient; the parameter gradients in the CPU's two passes (kernels/layer_norm.h): each block
// of rows' partial sums by one thread per column of a [column chunk, row block] grid, then one thread
// per column adding the blocks in order. The summation order is the CPU's, and no atomics are used.
#include "kernels/cuda/grid.h"
#include "kernels/layer_norm.h"

namespace pare::kernels::cuda {
namespace {

// v = x + residual read element by element (residual null: x), never stored.
struct SumOfInputs {
  const float* x;
  const float* residual;
  __device__ float operator[](std::int64_t i) const { return residual != nullptr ? x[i] + residual[i] : x[i]; }
};

__global__ void forward_kernel(SumOfInputs v, const float* weight, const float* bias, float eps, float* y, float* mean,
                               float* rstd, std::int64_t cols, std::int64_t normalized) {
  __shared__ float scratch[kThreadsPerBlock / 32];
  const std::int64_t row = blockIdx.x;
  const SumOfInputs xr{v.x + row * cols, v.residual != nullptr ? v.residual + row * cols : nullptr};
  float* yr = y + row * cols;
  const float inv_n = 1.0f / static_cast<float>(normalized);
  float sum = 0.0f;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) sum += xr[j];
  const float mu = block_sum(sum, scratch) * inv_n;
  float sq = 0.0f;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) sq += (xr[j] - mu) * (xr[j] - mu);
  sq = block_sum(sq, scratch);
  // Each virtual zero adds (0 - mean)^2.
  if (normalized > cols) sq += static_cast<float>(normalized - cols) * mu * mu;
  const float rs = 1.0f / sqrtf(sq * inv_n + eps);
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = (xr[j] - mu) * rs * weight[j] + bias[j];
  if (threadIdx.x == 0) {
    mean[row] = mu;
    rstd[row] = rs;
  }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight, means over `normalized`.
__global__ void input_gradient_kernel(const float* dy, SumOfInputs v, const float* mean, const float* rstd,
                                      const float* weight, float* dx, std::int64_t cols, std::int64_t normalized) {
  __shared__ float scratch[kThreadsPerBlock / 32];
  const std::int64_t row = blockIdx.x;
  const SumOfInputs xr{v.x + row * cols, v.residual != nullptr ? v.residual + row * cols : nullptr};
  const float* gr = dy + row * cols;
  const float mu = mean[row], rs = rstd[row];
  const float inv_n = 1.0f / static_cast<float>(normalized);
  float sum_g = 0.0f, sum_gx = 0.0f;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    const float g = gr[j] * weight[j];
    sum_g += g;
    sum_gx += g * (xr[j] - mu) * rs;
  }
  const float mean_g = block_sum(sum_g, scratch) * inv_n;
  const float mean_gx = block_sum(sum_gx, scratch) * inv_n;
  float* dr = dx + row * cols;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    dr[j] = rs * (gr[j] * weight[j] - mean_g - (xr[j] - mu) * rs * mean_gx);
  }
}

// Pass 1: the partial sums of row block blockIdx.y for the column of this thread, into the workspace
// ([blocks][dw, db][cols]), rows in order.
__global__ void block_parameter_gradient_kernel(const float* dy, SumOfInputs x, const float* mean, const float* rstd,
                                                float* workspace, std::int64_t rows, std::int64_t cols,
                                                std::int64_t rows_per_block) {
  const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= cols) return;
  const std::int64_t blk = blockIdx.y, begin = blk * rows_per_block;
  const std::int64_t end = begin + rows_per_block < rows ? begin + rows_per_block : rows;
  float dw = 0.0f, db = 0.0f;
  for (std::int64_t r = begin; r < end; ++r) {
    const float g = dy[r * cols + j];
    dw += g * (x[r * cols + j] - mean[r]) * rstd[r];
    db += g;
  }
  workspace[2 * blk * cols + j] = dw;
  workspace[(2 * blk + 1) * cols + j] = db;
}

// Pass 2: block 0's sums plus the others' in block order, one thread per column.
__global__ void combine_parameter_gradient_kernel(const float* workspace, float* dweight, float* dbias,
                                                  std::int64_t cols, std::int64_t blocks) {
  for (std::int64_t j = first_index(); j < cols; j += grid_stride()) {
    float dw = workspace[j], db = workspace[cols + j];
    for (std::int64_t blk = 1; blk < blocks; ++blk) {
      dw += workspace[2 * blk * cols + j];
      db += workspace[(2 * blk + 1) * cols + j];
    }
    if (dweight != nullptr) dweight[j] = dw;
    if (dbias != nullptr) dbias[j] = db;
  }
}

}  // namespace

void layer_norm_forward(const Context& ctx, const float* x, const float* residual, const float* weight,
                        const float* bias, float eps, float* y, float* mean, float* rstd, std::int64_t rows,
                        std::int64_t cols, std::int64_t normalized) {
  if (rows == 0) return;
  forward_kernel<<<static_cast<unsigned int>(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      SumOfInputs{x, residual}, weight, bias, eps, y, mean, rstd, cols, normalized);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

std::int64_t layer_norm_backward_workspace(const Context&, std::int64_t rows, std::int64_t cols) {
  return 2 * layer_norm_row_blocks(rows) * cols;
}

void layer_norm_backward(const Context& ctx, const float* dy, const float* x, const float* residual, const float* mean,
                         const float* rstd, const float* weight, float* dx, float* dweight, float* dbias,
                         float* workspace, std::int64_t rows, std::int64_t cols, std::int64_t normalized) {
  const SumOfInputs v{x, residual};
  if (rows == 0 || cols == 0) return;
  if (dx != nullptr) {
    input_gradient_kernel<<<static_cast<unsigned int>(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        dy, v, mean, rstd, weight, dx, cols, normalized);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  if (dweight != nullptr || dbias != nullptr) {
    const std::int64_t blocks = layer_norm_row_blocks(rows);
    const dim3 grid(static_cast<unsigned int>((cols + kThreadsPerBlock - 1) / kThreadsPerBlock),
                    static_cast<unsigned int>(blocks));
    block_parameter_gradient_kernel<<<grid, kThreadsPerBlock, 0, stream_of(ctx)>>>(
        dy, v, mean, rstd, workspace, rows, cols, layer_norm_rows_per_block(rows));
    PARE_CUDA_CHECK_LAUNCH(ctx);
    combine_parameter_gradient_kernel<<<blocks_for(cols), kThreadsPerBlock, 0, stream_of(ctx)>>>(workspace, dweight,
                                                                                                 dbias, cols, blocks);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
}

}  // namespace pare::kernels::cuda
