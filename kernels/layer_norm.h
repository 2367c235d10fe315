// layer_norm_forward, layer_norm_backward: normalisation over the last axis of [rows, cols].
#pragma once

#include <cstdint>

namespace pare::kernels::cpu {

// y = (x - mean) * rstd * weight + bias per row, rstd = 1 / sqrt(biased variance + eps); writes each
// row's mean and rstd for the backward.
void layer_norm_forward(const float* x, const float* weight, const float* bias, float eps, float* y, float* mean,
                        float* rstd, std::int64_t rows, std::int64_t cols);

// Floats of scratch layer_norm_backward needs for dweight and dbias.
std::int64_t layer_norm_backward_workspace(std::int64_t rows, std::int64_t cols);

// dx (skipped when null) and dweight, dbias (skipped when both are null). The parameter gradients
// are summed per fixed block of rows, then over blocks in order, so they do not depend on the
// thread count.
void layer_norm_backward(const float* dy, const float* x, const float* mean, const float* rstd, const float* weight,
                         float* dx, float* dweight, float* dbias, float* workspace, std::int64_t rows,
                         std::int64_t cols);

}  // namespace pare::kernels::cpu
