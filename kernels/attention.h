// attention_forward, attention_backward: softmax(q k^T * scale + mask) v computed per (batch, head)
// pair, one pair per thread with single-threaded BLAS products inside.
#pragma once

#include <cstdint>

namespace pare::kernels::cpu {

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

// q [B, H, T, d], k and v [B, H, S, d], all packed. Writes probs [B, H, T, S], the softmax before
// dropout (the backward needs it), and out [B, H, T, d]. scale is usually 1 / sqrt(d).
void attention_forward(const AttentionDims& dims, float scale, const float* q, const float* k, const float* v,
                       const AttentionMask& mask, const AttentionDropout& dropout, float* probs, float* out);

// Given grad_out [B, H, T, d], writes the gradients of q, k, v and of the scores q k^T * scale +
// mask ([B, H, T, S], which is the mask's gradient before broadcasting is undone). Any output may
// be null when it is not wanted.
void attention_backward(const AttentionDims& dims, float scale, const float* q, const float* k, const float* v,
                        const float* probs, const AttentionDropout& dropout, const float* grad_out, float* grad_q,
                        float* grad_k, float* grad_v, float* grad_scores);

}  // namespace pare::kernels::cpu
