// attention_forward, attention_backward: softmax(q k^T * scale + mask) v computed per (batch, head)
// pair, one pair per thread with single-threaded BLAS products inside. Q, K, V, the output and their
// gradients are strided, so head-split views need no copies.
#pragma once

#include <cstdint>

#include "kernels/context.h"
#include "kernels/host_device.h"  // PARE_HOST_DEVICE

namespace pare::kernels {

struct AttentionDims {
  std::int64_t batch, heads, q_len, kv_len, head_dim;
};

// An additive mask read as [B, H, T, S] through strides in elements (0 on broadcast axes).
// data == nullptr means no mask.
struct AttentionMask {
  const float* data = nullptr;
  std::int64_t strides[4] = {0, 0, 0, 0};
};

// Dropout on the probabilities: element e of the flattened [B, H, T, S] probabilities is kept as
// kernels/dropout.h's stream (seed, counter) decides. p == 0 means no dropout.
struct AttentionDropout {
  float p = 0.0f;
  std::uint64_t seed = 0;
  std::uint64_t counter = 0;
};

// One operand of the [B, H, rows, d] family read in place: the (b, h) matrix starts at
// data + b * batch_stride + h * head_stride, its rows are row_stride elements apart (at least d)
// and the d elements of a row are adjacent. Head-split projections ([B, T, H, d] memory seen as
// [B, H, T, d]) are read this way without a copy.
struct HeadMatrices {
  const float* data = nullptr;
  std::int64_t batch_stride = 0, head_stride = 0, row_stride = 0;
  PARE_HOST_DEVICE const float* at(std::int64_t b, std::int64_t h) const {
    return data + b * batch_stride + h * head_stride;
  }
};
// The same for an output; data == nullptr means the output is not wanted.
struct MutableHeadMatrices {
  float* data = nullptr;
  std::int64_t batch_stride = 0, head_stride = 0, row_stride = 0;
  PARE_HOST_DEVICE float* at(std::int64_t b, std::int64_t h) const { return data + b * batch_stride + h * head_stride; }
};

}  // namespace pare::kernels

namespace pare::kernels::cpu {

// Floats of state attention_forward saves for attention_backward; each backend chooses its own. The
// CPU saves the softmax before dropout, [B, H, T, S]; CUDA's fused kernels save two floats per query
// row, [2, B, H, T] (kernels/cuda/attention_row_state.h). Dropout's keep decisions are regenerated from (seed,
// counter), never stored.
std::int64_t attention_saved_size(const Context& ctx, const AttentionDims& dims);

// q [B, H, T, d], k and v [B, H, S, d]. Writes out [B, H, T, d] and `saved` (attention_saved_size
// floats) for the backward. scale is usually 1 / sqrt(d).
void attention_forward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                       const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask,
                       const AttentionDropout& dropout, float* saved, const MutableHeadMatrices& out);

// Given grad_out [B, H, T, d] and the forward's `saved` state, writes the gradients of q, k, v and of
// the scores q k^T * scale + mask ([B, H, T, S] packed, which is the mask's gradient before
// broadcasting is undone). Any output may be left out (null data) when it is not wanted. `mask` is the
// forward's: a backend that saved less than the probabilities recomputes the scores with it.
void attention_backward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                        const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask, const float* saved,
                        const AttentionDropout& dropout, const HeadMatrices& grad_out,
                        const MutableHeadMatrices& grad_q, const MutableHeadMatrices& grad_k,
                        const MutableHeadMatrices& grad_v, float* grad_scores);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {

// Which CUDA attention runs: batched cuBLAS products around a fused mask+softmax+dropout kernel
// (unfused, saves the probabilities), or one fused kernel family that never materialises the scores
// (saves a log-sum-exp per query row; head_dim up to 128, else the unfused path). The default comes
// from PARE_CUDA_ATTENTION=fused|unfused (unfused when unset); set it before a forward whose backward
// is still to run, not between them.
enum class CudaAttention { unfused, fused };
void set_cuda_attention(CudaAttention attention);
CudaAttention cuda_attention();

decltype(cpu::attention_saved_size) attention_saved_size;
decltype(cpu::attention_forward) attention_forward;
decltype(cpu::attention_backward) attention_backward;
}  // namespace pare::kernels::cuda
