// layer_norm over the last axis with elementwise affine weight and bias.
#pragma once

#include "runtime/tensor.h"

namespace pare {

// x [..., D], weight [D], bias [D] -> (x - mean) / sqrt(var + eps) * weight + bias (biased variance).
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps = 1e-12);

}  // namespace pare
