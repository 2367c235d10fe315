// layer_norm over the last axis with elementwise affine weight and bias.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/tensor.h"

namespace pare {

// x [..., D], weight [D], bias [D] -> (x - mean) / sqrt(var + eps) * weight + bias (biased variance).
// With normalized_size N > D, mean and variance are those of each row followed by N - D zeros, and
// only the D real entries are computed: the LayerNorm of a model whose removed hidden dimensions
// were zero (kernels/layer_norm.h). Absent, N = D: the ordinary LayerNorm.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps = 1e-12,
                  std::optional<std::int64_t> normalized_size = std::nullopt);

// layer_norm(add(x, residual), ...) with the sum never stored: a residual connection followed by its
// LayerNorm in one pass. residual has x's shape; the result equals the two ops' bit for bit.
Tensor layer_norm_of_sum(const Tensor& x, const Tensor& residual, const Tensor& weight, const Tensor& bias,
                         double eps = 1e-12, std::optional<std::int64_t> normalized_size = std::nullopt);

}  // namespace pare
