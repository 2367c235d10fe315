// Batches of row-major f32 products on cuBLAS in one call: the attention's per-(batch, head) products
// and gemm_batched's. Entry i of a batch of outer x inner products reads each operand at
// data + (i / inner) * outer_stride + (i % inner) * inner_stride, which covers head-split views
// ([B, T, H, d] memory seen as [B, H, T, d]) as well as packed [B, H, ...] buffers.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cuda {

struct BatchedOperand {
  const float* data;
  std::int64_t outer_stride, inner_stride, ld;
  bool transposed;  // the stored matrix is op(X)^T, as in GemmOperand
};

struct BatchedOutput {
  float* data;
  std::int64_t outer_stride, inner_stride, ld;
};

// c_i[m, n] = alpha * op(a_i)[m, k] @ op(b_i)[k, n] for the outer * inner entries (c_i overwritten).
// One strided-batched call where every operand's entries are evenly spaced, else one pointer-array
// call whose arrays a kernel writes on the device (no host copy, no synchronisation).
void gemm_two_level_batched(const Context& ctx, std::int64_t outer, std::int64_t inner, std::int64_t m, std::int64_t n,
                            std::int64_t k, float alpha, const BatchedOperand& a, const BatchedOperand& b,
                            const BatchedOutput& c);

}  // namespace pare::kernels::cuda
