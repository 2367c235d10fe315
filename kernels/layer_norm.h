// layer_norm_forward, layer_norm_backward: normalisation over the last axis of [rows, cols].
//
// `normalized` >= cols is the width the statistics are taken over: each row counts as if it went on
// with normalized - cols zeros (whose outputs are not computed). A model whose hidden dimensions were
// removed keeps its original LayerNorms this way: in the masked model the removed dimensions were
// zero entries of every normalised row. normalized == cols is the ordinary LayerNorm.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels {

// The parameter gradients are sums over rows, taken in blocks of rows (partial sums per block, then
// the blocks added in order) so that every backend sums in the same order and runs them in parallel
// without atomics: results do not vary run to run, nor between the CPU and CUDA. The blocks are a
// function of `rows` alone (never of a thread count): at least 32 rows each and at most 128 blocks,
// which bounds the workspace (2 * blocks * cols floats).
inline std::int64_t layer_norm_rows_per_block(std::int64_t rows) {
  const std::int64_t even = (rows + 127) / 128;
  return even > 32 ? even : 32;
}
inline std::int64_t layer_norm_row_blocks(std::int64_t rows) {
  return (rows + layer_norm_rows_per_block(rows) - 1) / layer_norm_rows_per_block(rows);
}

}  // namespace pare::kernels

namespace pare::kernels::cpu {

// y = (v - mean) * rstd * weight + bias per row of v = x + residual (residual null: v = x), rstd =
// 1 / sqrt(biased variance + eps), mean and variance over `normalized` entries; writes each row's
// mean and rstd for the backward. v is never stored: a residual connection's sum costs no pass.
void layer_norm_forward(const Context& ctx, const float* x, const float* residual, const float* weight,
                        const float* bias, float eps, float* y, float* mean, float* rstd, std::int64_t rows,
                        std::int64_t cols, std::int64_t normalized);

// Floats of scratch layer_norm_backward needs for dweight and dbias.
std::int64_t layer_norm_backward_workspace(const Context& ctx, std::int64_t rows, std::int64_t cols);

// dx (skipped when null) and dweight, dbias (skipped when both are null); the virtual zeros get no
// output gradient and no input gradient. The parameter gradients
// are summed per fixed block of rows, then over blocks in order, so they do not depend on the
// thread count.
// dx is the gradient of v, so of x and of the residual alike; v = x + residual is summed again here.
void layer_norm_backward(const Context& ctx, const float* dy, const float* x, const float* residual, const float* mean,
                         const float* rstd, const float* weight, float* dx, float* dweight, float* dbias,
                         float* workspace, std::int64_t rows, std::int64_t cols, std::int64_t normalized);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::layer_norm_forward) layer_norm_forward;
decltype(cpu::layer_norm_backward_workspace) layer_norm_backward_workspace;
decltype(cpu::layer_norm_backward) layer_norm_backward;
}  // namespace pare::kernels::cuda
