// matmul (batched, broadcasting batch axes) and linear (x W^T + b, Hugging Face weight layout).
#pragma once

#include "runtime/tensor.h"

namespace pare {

// a [..., M, K] @ b [..., K, N] -> [..., M, N]. Batch axes broadcast; either operand may be 2-D.
// An operand whose last two axes are a transposed view (x.transpose(-1, -2)) is passed to GEMM as
// transposed, without a copy.
Tensor matmul(const Tensor& a, const Tensor& b);
// x [..., in], weight [out, in], bias [out] or undefined -> [..., out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace pare
