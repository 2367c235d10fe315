// attention_saved_size, attention_forward, attention_backward on CUDA: the twins of
// kernels/cpu/attention.cpp, as batched cuBLAS products over all (batch, head) pairs at once with one
// fused kernel for mask + softmax + dropout in between (scale rides in the first product's alpha).
// Like the CPU, the forward saves the softmax before dropout, [B, H, T, S]; dropout's keep decisions
// are drawn again from (seed, counter) where needed, element e of the flattened [B, H, T, S]
// probabilities using lane e % 4 of Philox counter counter + e / 4, so they equal the CPU's.
#include <atomic>
#include <cfloat>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "kernels/attention.h"
#include "kernels/cuda/attention_row_state.h"
#include "kernels/cuda/batched_gemm.h"
#include "kernels/cuda/fused_attention.h"
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"
#include "kernels/dropout.h"  // keeps_element

namespace pare::kernels::cuda {
namespace {

__device__ inline bool kept(const AttentionDropout& dropout, std::int64_t e) {
  return keeps_element(dropout.seed, dropout.counter, e, dropout.p);
}

// One warp per score row r = (b * H + h) * T + t: adds the mask row, clamps to the most negative
// finite float (a row whose keys are all masked, even with -inf, is uniform, not NaN), replaces the
// row by its softmax and, with dropout, writes the dropped probabilities to `dropped`.
__global__ void masked_softmax_kernel(float* scores, std::int64_t rows, std::int64_t heads, std::int64_t q_len,
                                      std::int64_t kv_len, AttentionMask mask, AttentionDropout dropout,
                                      float keep_scale, float* dropped) {
  const std::int64_t warp = first_warp(), warps = warp_stride();
  const int lane = threadIdx.x % 32;
  for (std::int64_t r = warp; r < rows; r += warps) {
    float* row = scores + r * kv_len;
    const float* mask_row = nullptr;
    if (mask.data != nullptr) {
      const std::int64_t t = r % q_len, bh = r / q_len, b = bh / heads, h = bh % heads;
      mask_row = mask.data + b * mask.strides[0] + h * mask.strides[1] + t * mask.strides[2];
    }
    float max = -FLT_MAX;
    for (std::int64_t s = lane; s < kv_len; s += 32) {
      const float x = row[s] + (mask_row != nullptr ? mask_row[s * mask.strides[3]] : 0.0f);
      const float clamped = x < -FLT_MAX ? -FLT_MAX : x;
      row[s] = clamped;
      max = fmaxf(max, clamped);
    }
    max = warp_max(max);
    float sum = 0.0f;
    for (std::int64_t s = lane; s < kv_len; s += 32) {
      const float e = expf(row[s] - max);
      row[s] = e;
      sum += e;
    }
    const float inv = 1.0f / warp_sum(sum);
    for (std::int64_t s = lane; s < kv_len; s += 32) {
      const float p = row[s] * inv;
      row[s] = p;
      if (dropped != nullptr) dropped[r * kv_len + s] = kept(dropout, r * kv_len + s) ? p * keep_scale : 0.0f;
    }
  }
}

// dropped = probabilities after dropout, for the backward's dV.
__global__ void dropped_probabilities_kernel(const float* probabilities, std::int64_t n, AttentionDropout dropout,
                                             float keep_scale, float* dropped) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    dropped[i] = kept(dropout, i) ? probabilities[i] * keep_scale : 0.0f;
  }
}

// One warp per row: on entry ds holds dW = dO V^T (the gradient of the probabilities after dropout),
// `weights` the probabilities after dropout (== probabilities without dropout). On exit
// ds = P * (dP - rowsum(dP * P)), dP the gradient before dropout; rowsum(dP * P) equals
// rowsum(dW * W).
__global__ void softmax_gradient_kernel(float* ds, const float* probabilities, const float* weights, std::int64_t rows,
                                        std::int64_t kv_len, AttentionDropout dropout, float keep_scale) {
  const std::int64_t warp = first_warp(), warps = warp_stride();
  const int lane = threadIdx.x % 32;
  const bool drop = dropout.p > 0.0f;
  for (std::int64_t r = warp; r < rows; r += warps) {
    float* row = ds + r * kv_len;
    const float* p = probabilities + r * kv_len;
    const float* w = weights + r * kv_len;
    float dot = 0.0f;
    for (std::int64_t s = lane; s < kv_len; s += 32) dot += row[s] * w[s];
    dot = warp_sum(dot);
    for (std::int64_t s = lane; s < kv_len; s += 32) {
      const float g = drop ? (kept(dropout, r * kv_len + s) ? row[s] * keep_scale : 0.0f) : row[s];
      row[s] = p[s] * (g - dot);
    }
  }
}

float keep_scale_of(const AttentionDropout& dropout) { return dropout.p < 1.0f ? 1.0f / (1.0f - dropout.p) : 0.0f; }

// The (b, h) matrices of an operand as a two-level batch: b outer, h inner.
BatchedOperand operand(const HeadMatrices& x, bool transposed) {
  return {x.data, GemmElement::f32, x.batch_stride, x.head_stride, x.row_stride, transposed};
}
BatchedOutput output(const MutableHeadMatrices& x) { return {x.data, x.batch_stride, x.head_stride, x.row_stride}; }
// A packed [B, H, rows, cols] buffer.
BatchedOperand packed(const float* data, const AttentionDims& dims, std::int64_t rows, std::int64_t cols,
                      bool transposed) {
  return {data, GemmElement::f32, dims.heads * rows * cols, rows * cols, cols, transposed};
}
BatchedOutput packed_output(float* data, const AttentionDims& dims, std::int64_t rows, std::int64_t cols) {
  return {data, dims.heads * rows * cols, rows * cols, cols};
}

std::atomic<CudaAttention>& attention_switch() {
  static std::atomic<CudaAttention> selected = [] {
    const char* value = std::getenv("PARE_CUDA_ATTENTION");
    if (value == nullptr || std::strcmp(value, "unfused") == 0) return CudaAttention::unfused;
    if (std::strcmp(value, "fused") == 0) return CudaAttention::fused;
    throw std::invalid_argument(std::string("PARE_CUDA_ATTENTION must be fused or unfused, got \"") + value + "\"");
  }();
  return selected;
}

bool runs_fused(const AttentionDims& dims) {
  return cuda_attention() == CudaAttention::fused && fused_attention_fits(dims);
}

}  // namespace

void set_cuda_attention(CudaAttention attention) { attention_switch() = attention; }
CudaAttention cuda_attention() { return attention_switch(); }

std::int64_t attention_saved_size(const Context&, const AttentionDims& dims) {
  const std::int64_t rows = dims.batch * dims.heads * dims.q_len;
  return runs_fused(dims) ? kAttentionRowStateFloats * rows : rows * dims.kv_len;
}

void attention_forward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                       const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask,
                       const AttentionDropout& dropout, float* saved, const MutableHeadMatrices& out) {
  if (runs_fused(dims)) return fused_attention_forward(ctx, dims, scale, q, k, v, mask, dropout, saved, out);
  const std::int64_t B = dims.batch, H = dims.heads, T = dims.q_len, S = dims.kv_len, d = dims.head_dim;
  if (B * H * T == 0) return;
  const std::int64_t rows = B * H * T;
  // scores = scale * Q K^T, packed into `saved`.
  gemm_two_level_batched(ctx, B, H, T, S, d, scale, operand(q, false), operand(k, true), 0.0f,
                         packed_output(saved, dims, T, S));
  const bool drop = dropout.p > 0.0f;
  DeviceScratch dropped(ctx, drop ? static_cast<std::size_t>(rows * S) * sizeof(float) : 0);
  if (S > 0) {
    masked_softmax_kernel<<<blocks_for_warps(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        saved, rows, H, T, S, mask, dropout, keep_scale_of(dropout), dropped.as<float>());
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  const float* weights = drop ? dropped.as<float>() : saved;
  gemm_two_level_batched(ctx, B, H, T, d, S, 1.0f, packed(weights, dims, T, S, false), operand(v, false), 0.0f,
                         output(out));
}

void attention_backward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                        const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask, const float* saved,
                        const AttentionDropout& dropout, const HeadMatrices& grad_out,
                        const MutableHeadMatrices& grad_q, const MutableHeadMatrices& grad_k,
                        const MutableHeadMatrices& grad_v, float* grad_scores) {
  if (runs_fused(dims)) {
    return fused_attention_backward(ctx, dims, scale, q, k, v, mask, saved, dropout, grad_out, grad_q, grad_k, grad_v,
                                    grad_scores);
  }
  const std::int64_t B = dims.batch, H = dims.heads, T = dims.q_len, S = dims.kv_len, d = dims.head_dim;
  if (B * H == 0) return;
  const std::int64_t rows = B * H * T;
  const bool drop = dropout.p > 0.0f;
  const float keep_scale = keep_scale_of(dropout);
  DeviceScratch dropped(ctx, drop ? static_cast<std::size_t>(rows * S) * sizeof(float) : 0);
  if (drop && rows * S > 0) {
    dropped_probabilities_kernel<<<blocks_for(rows * S), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        saved, rows * S, dropout, keep_scale, dropped.as<float>());
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  const float* weights = drop ? dropped.as<float>() : saved;
  // dV = W^T dO.
  if (grad_v.data != nullptr) {
    gemm_two_level_batched(ctx, B, H, S, d, T, 1.0f, packed(weights, dims, T, S, true), operand(grad_out, false), 0.0f,
                           output(grad_v));
  }
  const bool need_scores = grad_q.data != nullptr || grad_k.data != nullptr || grad_scores != nullptr;
  if (!need_scores) return;
  DeviceScratch scratch(ctx, grad_scores == nullptr ? static_cast<std::size_t>(rows * S) * sizeof(float) : 0);
  float* ds = grad_scores != nullptr ? grad_scores : scratch.as<float>();
  // dS = softmax gradient of dW = dO V^T.
  gemm_two_level_batched(ctx, B, H, T, S, d, 1.0f, operand(grad_out, false), operand(v, true), 0.0f,
                         packed_output(ds, dims, T, S));
  if (rows > 0 && S > 0) {
    softmax_gradient_kernel<<<blocks_for_warps(rows), kThreadsPerBlock, 0, stream_of(ctx)>>>(ds, saved, weights, rows,
                                                                                             S, dropout, keep_scale);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  // dQ = scale * dS K, dK = scale * dS^T Q.
  if (grad_q.data != nullptr) {
    gemm_two_level_batched(ctx, B, H, T, d, S, scale, packed(ds, dims, T, S, false), operand(k, false), 0.0f,
                           output(grad_q));
  }
  if (grad_k.data != nullptr) {
    gemm_two_level_batched(ctx, B, H, S, d, T, scale, packed(ds, dims, T, S, true), operand(q, false), 0.0f,
                           output(grad_k));
  }
}

}  // namespace pare::kernels::cuda
