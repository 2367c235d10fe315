// Fused attention on CUDA: softmax(q k^T * scale + mask) v without materialising the [B, H, T, S]
// scores; saves each query row's largest score and log-sum ([2, B, H, T], kernels/cuda/
// attention_row_state.h) instead of the probabilities. f32, head_dim
// up to kMaxFusedHeadDim, any mask and dropout, the CPU's arithmetic and keep decisions (see the .cu).
// attention.cu runs it when the switch in kernels/attention.h selects it and the problem fits.
#pragma once

#include "kernels/attention.h"

namespace pare::kernels::cuda {

constexpr std::int64_t kMaxFusedHeadDim = 128;

bool fused_attention_fits(const AttentionDims& dims);

void fused_attention_forward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                             const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask,
                             const AttentionDropout& dropout, float* row_state, const MutableHeadMatrices& out);

void fused_attention_backward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                              const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask,
                              const float* row_state, const AttentionDropout& dropout, const HeadMatrices& grad_out,
                              const MutableHeadMatrices& grad_q, const MutableHeadMatrices& grad_k,
                              const MutableHeadMatrices& grad_v, float* grad_scores);

}  // namespace pare::kernels::cuda
