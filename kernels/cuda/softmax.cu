// softmax_forward/backward and log_softmax_forward/backward on CUDA: the twins of
// kernels/cpu/softmax.cpp, one block per row with block-wide max and sum.
#include "kernels/cuda/grid.h"
#include "kernels/softmax.h"

namespace pare::kernels::cuda {
namespace {

enum class RowOp { softmax, softmax_backward, log_softmax, log_softmax_backward };

// Forward: in = x, out = y. Backward: in = y, dy, out = dx.
template <RowOp Op>
__global__ void row_kernel(const float* in, const float* dy, float* out, std::int64_t cols) {
  __shared__ float scratch[kThreadsPerBlock / 32];
  const std::int64_t row = blockIdx.x;
  const float* r = in + row * cols;
  float* o = out + row * cols;
  if constexpr (Op == RowOp::softmax || Op == RowOp::log_softmax) {
    float m = -INFINITY;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, r[j]);
    m = block_max(m, scratch);
    float sum = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) sum += expf(r[j] - m);
    sum = block_sum(sum, scratch);
    if constexpr (Op == RowOp::softmax) {
      const float inv = 1.0f / sum;
      for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) o[j] = expf(r[j] - m) * inv;
    } else {
      const float log_sum = logf(sum);
      for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) o[j] = (r[j] - m) - log_sum;
    }
  } else {
    const float* g = dy + row * cols;
    float acc = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      acc += Op == RowOp::softmax_backward ? g[j] * r[j] : g[j];
    }
    acc = block_sum(acc, scratch);
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      o[j] = Op == RowOp::softmax_backward ? r[j] * (g[j] - acc) : g[j] - expf(r[j]) * acc;
    }
  }
}

template <RowOp Op>
void launch(const Context& ctx, const float* in, const float* dy, float* out, std::int64_t rows, std::int64_t cols) {
  if (rows == 0 || cols == 0) return;
  // One block per row: rows up to 2^31 - 1, far beyond any batch of token rows.
  row_kernel<Op><<<static_cast<unsigned int>(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(in, dy, out, cols);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace

void softmax_forward(const Context& ctx, const float* x, float* y, std::int64_t rows, std::int64_t cols) {
  launch<RowOp::softmax>(ctx, x, nullptr, y, rows, cols);
}

void softmax_backward(const Context& ctx, const float* y, const float* dy, float* dx, std::int64_t rows,
                      std::int64_t cols) {
  launch<RowOp::softmax_backward>(ctx, y, dy, dx, rows, cols);
}

void log_softmax_forward(const Context& ctx, const float* x, float* y, std::int64_t rows, std::int64_t cols) {
  launch<RowOp::log_softmax>(ctx, x, nullptr, y, rows, cols);
}

void log_softmax_backward(const Context& ctx, const float* y, const float* dy, float* dx, std::int64_t rows,
                          std::int64_t cols) {
  launch<RowOp::log_softmax_backward>(ctx, y, dy, dx, rows, cols);
}

}  // namespace pare::kernels::cuda
