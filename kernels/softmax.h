// softmax_forward, log_softmax_forward and their backward: over the last axis of [rows, cols].
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// y = exp(x - max) / sum(exp(x - max)) per row. A row that is all -inf gives NaN (0 / 0), as in
// PyTorch: a fully masked row has no distribution.
void softmax_forward(const Context& ctx, const float* x, float* y, std::int64_t rows, std::int64_t cols);
// dx = y * (dy - sum(dy * y)) per row.
void softmax_backward(const Context& ctx, const float* y, const float* dy, float* dx, std::int64_t rows,
                      std::int64_t cols);
// y = x - max - log(sum(exp(x - max))) per row.
void log_softmax_forward(const Context& ctx, const float* x, float* y, std::int64_t rows, std::int64_t cols);
// dx = dy - exp(y) * sum(dy) per row.
void log_softmax_backward(const Context& ctx, const float* y, const float* dy, float* dx, std::int64_t rows,
                          std::int64_t cols);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::softmax_forward) softmax_forward;
decltype(cpu::softmax_backward) softmax_backward;
decltype(cpu::log_softmax_forward) log_softmax_forward;
decltype(cpu::log_softmax_backward) log_softmax_backward;
}  // namespace pare::kernels::cuda
