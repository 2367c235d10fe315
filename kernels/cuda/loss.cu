// cross_entropy_forward/backward, kl_div_forward/backward and mean_squared_error on CUDA: the twins
// of kernels/cpu/loss.cpp. The losses are summed in double with fixed trees (per-row losses by one
// block, the mean squared error's elements by many blocks then one), so they do not vary run to run. A target out of
// range is recorded in the context's error slot and raised at the runtime's next read from the device (the loss read of
// the step).
#include "kernels/cuda/device_error.h"
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"
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

// The sum of one double per thread, returned to every thread of the block.
__device__ double block_sum_double_all(double v, double* scratch) {
  const double total = block_sum_double(v, scratch);
  __syncthreads();  // every thread reads scratch[0] before a later reduction overwrites it
  return total;
}

// log softmax(x * inv_t) of the block's row, in double, as kernels/cpu/loss.cpp's RowLogSoftmax:
// the row maximum is taken out before scaling, so the exponents stay at most 0 at any temperature.
struct RowLogSoftmax {
  double max, inv_t, log_sum;
  __device__ double operator()(float x) const { return (static_cast<double>(x) - max) * inv_t - log_sum; }
};

__device__ RowLogSoftmax block_log_softmax(const float* row, std::int64_t c, double inv_t, float* max_scratch,
                                           double* sum_scratch) {
  float m = -INFINITY;
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) m = fmaxf(m, row[j]);
  const double max = block_max(m, max_scratch);
  double sum = 0.0;
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) sum += exp((static_cast<double>(row[j]) - max) * inv_t);
  return RowLogSoftmax{max, inv_t, log(block_sum_double_all(sum, sum_scratch))};
}

// One block per row.
__global__ void kl_rows_kernel(const float* s, const float* t, std::int64_t c, double inv_t, float* row_kl) {
  __shared__ float max_scratch[kThreadsPerBlock / 32];
  __shared__ double sum_scratch[kThreadsPerBlock];
  const std::int64_t row = blockIdx.x;
  const float* si = s + row * c;
  const float* ti = t + row * c;
  const RowLogSoftmax log_q = block_log_softmax(si, c, inv_t, max_scratch, sum_scratch);
  const RowLogSoftmax log_p = block_log_softmax(ti, c, inv_t, max_scratch, sum_scratch);
  double kl = 0.0;
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) {
    const double lp = log_p(ti[j]);
    kl += exp(lp) * (lp - log_q(si[j]));
  }
  kl = block_sum_double(kl, sum_scratch);
  if (threadIdx.x == 0) row_kl[row] = static_cast<float>(fmax(kl, 0.0));
}

// *out = scale * sum of values (in double).
__global__ void scaled_sum_kernel(const float* values, std::int64_t n, double scale, float* out) {
  __shared__ double scratch[kThreadsPerBlock];
  double acc = 0.0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) acc += values[i];
  const double total = block_sum_double(acc, scratch);
  if (threadIdx.x == 0) *out = static_cast<float>(total * scale);
}

// One block per row.
__global__ void kl_backward_kernel(const float* s, const float* t, std::int64_t c, double inv_t, const float* row_kl,
                                   const float* grad_loss, double grad_scale, float* grad_s, float* grad_t) {
  __shared__ float max_scratch[kThreadsPerBlock / 32];
  __shared__ double sum_scratch[kThreadsPerBlock];
  const double scale = static_cast<double>(*grad_loss) * grad_scale;
  const std::int64_t row = blockIdx.x;
  const float* si = s + row * c;
  const float* ti = t + row * c;
  const RowLogSoftmax log_q = block_log_softmax(si, c, inv_t, max_scratch, sum_scratch);
  const RowLogSoftmax log_p = block_log_softmax(ti, c, inv_t, max_scratch, sum_scratch);
  const double kl = row_kl[row];
  for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) {
    const double lp = log_p(ti[j]), lq = log_q(si[j]);
    if (grad_s != nullptr) grad_s[row * c + j] = static_cast<float>(scale * (exp(lq) - exp(lp)));
    if (grad_t != nullptr) grad_t[row * c + j] = static_cast<float>(scale * exp(lp) * (lp - lq - kl));
  }
}

// The mean squared error in two passes (a hidden-state term of distillation is 12M elements at
// BERT-base batch 32; one block would walk them alone): a fixed number of blocks (a function of n
// alone), each a fixed set of elements and a fixed tree, one partial per block; then one block adds
// the partials in a fixed tree. No atomics, so the loss does not vary run to run.
constexpr std::int64_t kElementsPerBlock = 16384;

std::int64_t partial_blocks(std::int64_t n) {
  const std::int64_t wanted = (n + kElementsPerBlock - 1) / kElementsPerBlock;
  return wanted < 1 ? 1 : (wanted > kThreadsPerBlock ? kThreadsPerBlock : wanted);
}

__global__ void partial_squared_error_kernel(const float* a, const float* b, std::int64_t n, double* partial) {
  __shared__ double scratch[kThreadsPerBlock];
  double acc = 0.0;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    acc += d * d;
  }
  const double total = block_sum_double(acc, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

__global__ void mean_of_partials_kernel(const double* partial, std::int64_t blocks, std::int64_t n, float* out) {
  __shared__ double scratch[kThreadsPerBlock];
  const double total = block_sum_double(threadIdx.x < blocks ? partial[threadIdx.x] : 0.0, scratch);
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

void kl_div_forward(const Context& ctx, const float* s, const float* t, std::int64_t rows, std::int64_t c, double inv_t,
                    double loss_scale, float* row_kl, float* loss) {
  if (rows > 0) {
    kl_rows_kernel<<<static_cast<unsigned int>(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(s, t, c, inv_t, row_kl);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  scaled_sum_kernel<<<1, kThreadsPerBlock, 0, stream_of(ctx)>>>(row_kl, rows, loss_scale, loss);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void kl_div_backward(const Context& ctx, const float* s, const float* t, std::int64_t rows, std::int64_t c,
                     double inv_t, const float* row_kl, const float* grad_loss, double grad_scale, float* grad_s,
                     float* grad_t) {
  if (rows * c == 0) return;
  kl_backward_kernel<<<static_cast<unsigned int>(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      s, t, c, inv_t, row_kl, grad_loss, grad_scale, grad_s, grad_t);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void mean_squared_error(const Context& ctx, const float* a, const float* b, std::int64_t n, float* out) {
  const std::int64_t blocks = partial_blocks(n);
  const DeviceScratch partial(ctx, static_cast<std::size_t>(blocks) * sizeof(double));
  partial_squared_error_kernel<<<static_cast<unsigned int>(blocks), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      a, b, n, partial.as<double>());
  PARE_CUDA_CHECK_LAUNCH(ctx);
  mean_of_partials_kernel<<<1, kThreadsPerBlock, 0, stream_of(ctx)>>>(partial.as<double>(), blocks, n, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
