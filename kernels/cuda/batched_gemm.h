// Batches of row-major products on cuBLAS in one call: the attention's per-(batch, head) products,
// gemm_batched's and gemm_bf16's. Entry i of a batch of outer x inner products reads each operand at
// data + (i / inner) * outer_stride + (i % inner) * inner_stride (in elements), which covers head-split
// views ([B, T, H, d] memory seen as [B, H, T, d]) as well as packed [B, H, ...] buffers. Operands are
// f32 or bf16 (both the same); products accumulate and are written in f32, with no TF32 rounding.
#pragma once

#include <cstdint>

#include "kernels/batch_offsets.h"  // two_level_offsets
#include "kernels/context.h"

namespace pare::kernels::cuda {

enum class GemmElement { f32, bf16 };

struct BatchedOperand {
  const void* data;
  GemmElement element;
  std::int64_t outer_stride, inner_stride, ld;
  bool transposed;  // the stored matrix is op(X)^T, as in GemmOperand
};

struct BatchedOutput {
  float* data;
  std::int64_t outer_stride, inner_stride, ld;
};

// c_i[m, n] = alpha * op(a_i)[m, k] @ op(b_i)[k, n] + beta * c_i for the outer * inner entries (beta == 0
// ignores what c_i held). One strided-batched call where every operand's entries are evenly spaced,
// else one pointer-array call whose arrays a kernel writes on the device (no host copy, no wait).
void gemm_two_level_batched(const Context& ctx, std::int64_t outer, std::int64_t inner, std::int64_t m, std::int64_t n,
                            std::int64_t k, float alpha, const BatchedOperand& a, const BatchedOperand& b, float beta,
                            const BatchedOutput& c);

}  // namespace pare::kernels::cuda
