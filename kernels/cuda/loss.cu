// cross_entropy_forward/backward, kl_div_forward/backward and mean_squared_error on CUDA: the twins
// of kernels/cpu/loss.cpp. The losses are summed in double by one block with a fixed tree, so they
// do not vary run to run. A target out of range is recorded in the context's error slot and raised
// at the runtime's next read from the device (the loss read of the step).
#include "kernels/cuda/device_error.h"
#include "kernels/cuda/grid.h"
#include "kernels/loss.h"

namespace pare::kernels::cuda {
namespace {

// logsumexp of row[j] * mult over the block's row.
__device__ float block_logsumexp(const float* row, std::int64_t c, float mult, float* scratch) {
  float m = -INFINITY;
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) m = fmaxf(m, row[j] * mult);
  m = block_max(m, scratch);
  float sum = 0.0f;
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) sum += expf(row[j] * mult - m);
  return m + logf(block_sum(sum, scratch));
}

__global__ void kl_rows_kernel(const float* s, const float* t, std::int64_t c, float inv_t, float* row_kl, float* lse_s,
                               float* lse_t) {
  __shared__ float scratch[kThreadsPerBlock / 32];
  const std::int64_t row = blockIdx.x;
  const float* si = s + row * c;
  const float* ti = t + row * c;
  const float ls = block_logsumexp(si, c, inv_t, scratch), lt = block_logsumexp(ti, c, inv_t, scratch);
  float kl = 0.0f;
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) {
    const float log_p = ti[j] * inv_t - lt, log_q = si[j] * inv_t - ls;
    kl += expf(log_p) * (log_p - log_q);
  }
  kl = block_sum(kl, scratch);
  if (threadIdx.x == 0) {
    row_kl[row] = kl;
    lse_s[row] = ls;
    lse_t[row] = lt;
  }
}

// *out = scale * sum of values (in double).
__global__ void scaled_sum_kernel(const float* values, std::int64_t n, double scale, float* out) {
  __shared__ double scratch[kThreadsPerBlock];
  double acc = 0.0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) acc += values[i];
  const double total = block_sum_double(acc, scratch);
  if (threadIdx.x == 0) *out = static_cast<float>(total * scale);
}

__global__ void kl_backward_kernel(const float* s, const float* t, std::int64_t rows, std::int64_t c, float inv_t,
                                   const float* row_kl, const float* lse_s, const float* lse_t, const float* grad_loss,
                                   double grad_scale, float* grad_s, float* grad_t) {
  const auto scale = static_cast<float>(static_cast<double>(*grad_loss) * grad_scale);
  const std::int64_t n = rows * c;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const std::int64_t row = i / c;
    const float log_p = t[i] * inv_t - lse_t[row], log_q = s[i] * inv_t - lse_s[row];
    if (grad_s != nullptr) grad_s[i] = scale * (expf(log_q) - expf(log_p));
    if (grad_t != nullptr) grad_t[i] = scale * expf(log_p) * (log_p - log_q - row_kl[row]);
  }
}

__global__ void mean_squared_error_kernel(const float* a, const float* b, std::int64_t n, float* out) {
  __shared__ double scratch[kThreadsPerBlock];
  double acc = 0.0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    acc += d * d;
  }
  const double total = block_sum_double(acc, scratch);
  if (threadIdx.x == 0) *out = static_cast<float>(total / static_cast<double>(n));
}

__global__ void cross_entropy_rows_kernel(const float* logits, const std::int64_t* targets, std::int64_t c,
                                          std::int64_t ignore_index, float eps, float* row_loss, float* lse,
                                          void* error) {
  __shared__ float scratch[kThreadsPerBlock / 32];
  const std::int64_t row = blockIdx.x;
  const std::int64_t target = targets[row];
  if (target == ignore_index || target < 0 || target >= c) {
    if (threadIdx.x == 0) {
      if (target != ignore_index) report_out_of_range(error, target, row, c);
      row_loss[row] = 0.0f;
      lse[row] = 0.0f;
    }
    return;
  }
  const float* z = logits + row * c;
  const float l = block_logsumexp(z, c, 1.0f, scratch);
  float total = 0.0f;
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) total += z[j];
  total = block_sum(total, scratch);
  if (threadIdx.x == 0) {
    // -log p_j = l - z_j, so mean_j(-log p_j) = l - mean_j(z_j).
    row_loss[row] = (1.0f - eps) * (l - z[target]) + eps * (l - total / static_cast<float>(c));
    lse[row] = l;
  }
}

// *loss = mean of the rows not ignored (0 when none), *valid_rows = their count.
__global__ void cross_entropy_mean_kernel(const float* row_loss, const std::int64_t* targets, std::int64_t n,
                                          std::int64_t ignore_index, float* loss, float* valid_rows) {
  __shared__ double scratch[kThreadsPerBlock];
  double sum = 0.0, count = 0.0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    sum += row_loss[i];
    count += targets[i] != ignore_index ? 1.0 : 0.0;
  }
  const double total = block_sum_double(sum, scratch);
  __syncthreads();
  const double valid = block_sum_double(count, scratch);
  if (threadIdx.x == 0) {
    *loss = valid > 0.0 ? static_cast<float>(total / valid) : 0.0f;
    *valid_rows = static_cast<float>(valid);
  }
}

__global__ void cross_entropy_backward_kernel(const float* logits, const std::int64_t* targets, const float* lse,
                                              std::int64_t n, std::int64_t c, std::int64_t ignore_index, float eps,
                                              const float* grad_loss, const float* valid_rows, float* grad) {
  const auto scale =
      static_cast<float>(*valid_rows > 0.0f ? static_cast<double>(*grad_loss) / static_cast<double>(*valid_rows) : 0.0);
  const float uniform = eps / static_cast<float>(c);
  for (std::int64_t i = first_index(); i < n * c; i += grid_stride()) {
    const std::int64_t row = i / c, j = i % c;
    const std::int64_t target = targets[row];
    if (target == ignore_index || target < 0 || target >= c) {
      grad[i] = 0.0f;
      continue;
    }
    float g = scale * (expf(logits[i] - lse[row]) - uniform);
    if (j == target) g -= scale * (1.0f - eps);
    grad[i] = g;
  }
}

}  // namespace

void cross_entropy_forward(const Context& ctx, const float* logits, const std::int64_t* targets, std::int64_t n,
                           std::int64_t c, std::int64_t ignore_index, float eps, float* row_loss, float* lse,
                           float* loss, float* valid_rows) {
  if (n > 0) {
    cross_entropy_rows_kernel<<<static_cast<unsigned int>(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        logits, targets, c, ignore_index, eps, row_loss, lse, ctx.error);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  cross_entropy_mean_kernel<<<1, kThreadsPerBlock, 0, stream_of(ctx)>>>(row_loss, targets, n, ignore_index, loss,
                                                                        valid_rows);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void cross_entropy_backward(const Context& ctx, const float* logits, const std::int64_t* targets, const float* lse,
                            std::int64_t n, std::int64_t c, std::int64_t ignore_index, float eps,
                            const float* grad_loss, const float* valid_rows, float* grad) {
  if (n * c == 0) return;
  cross_entropy_backward_kernel<<<blocks_for(n * c), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      logits, targets, lse, n, c, ignore_index, eps, grad_loss, valid_rows, grad);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void kl_div_forward(const Context& ctx, const float* s, const float* t, std::int64_t rows, std::int64_t c, float inv_t,
                    double loss_scale, float* row_kl, float* lse_s, float* lse_t, float* loss) {
  if (rows > 0) {
    kl_rows_kernel<<<static_cast<unsigned int>(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(s, t, c, inv_t, row_kl,
                                                                                             lse_s, lse_t);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  scaled_sum_kernel<<<1, kThreadsPerBlock, 0, stream_of(ctx)>>>(row_kl, rows, loss_scale, loss);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void kl_div_backward(const Context& ctx, const float* s, const float* t, std::int64_t rows, std::int64_t c, float inv_t,
                     const float* row_kl, const float* lse_s, const float* lse_t, const float* grad_loss,
                     double grad_scale, float* grad_s, float* grad_t) {
  if (rows * c == 0) return;
  kl_backward_kernel<<<blocks_for(rows * c), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      s, t, rows, c, inv_t, row_kl, lse_s, lse_t, grad_loss, grad_scale, grad_s, grad_t);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void mean_squared_error(const Context& ctx, const float* a, const float* b, std::int64_t n, float* out) {
  mean_squared_error_kernel<<<1, kThreadsPerBlock, 0, stream_of(ctx)>>>(a, b, n, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
