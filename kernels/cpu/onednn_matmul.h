// onednn_matmul: one row-major product through a oneDNN matmul primitive, made once per shape and
// kept (making one JIT-compiles its kernels: more than a small product costs). The primitive kernels
// (brgemm) beat oneDNN's BLAS-style dnnl_sgemm at BERT's FFN shapes (369-392 against 299-318 GFLOP/s
// on 2 Zen 5 cores) and are its only bf16 path. Outside a parallel region a product runs on the
// threads its work deserves (thread_budget.h). Safe to call from several threads at once: each
// thread brings its own scratchpad.
#pragma once

#include <cstdint>
#include <memory>

#include "kernels/gemm.h"  // PackedGemmWeight

namespace pare::kernels::cpu {

// s8: packed products only (onednn_pack_weight and onednn_matmul_packed with output scales).
enum class MatmulOperands { f32, bf16, s8 };

struct MatmulShape {
  MatmulOperands operands;
  std::int64_t m, n, k;
  std::int64_t lda;  // a's stored row length; a_transposed: a is stored [k, m]
  bool a_transposed;
  std::int64_t ldb;  // likewise b, stored [k, n] or, transposed, [n, k]
  bool b_transposed;
  std::int64_t ldc;
  float alpha, beta;
  bool bias = false;  // add an f32 bias[n] to every row (with alpha 1)
};

// c[m, n] (f32, rows ldc apart) = alpha * op(a) @ op(b) (+ bias) + beta * c; beta == 0 ignores what c
// held.
void onednn_matmul(const MatmulShape& shape, const void* a, const void* b, float* c, const float* bias = nullptr);

// op(b)[k, n] reordered into the weight format oneDNN's matmul picks for it (the same for every row
// count, so one packed copy serves every m), and products that read it.
struct OnednnPackedWeight : PackedGemmWeight {
  void* bytes = nullptr;  // the caller's storage
};
std::int64_t onednn_packed_weight_bytes(MatmulOperands operands, std::int64_t n, std::int64_t k);
std::shared_ptr<const OnednnPackedWeight> onednn_pack_weight(MatmulOperands operands, std::int64_t n, std::int64_t k,
                                                             const void* b, std::int64_t ldb, bool transposed,
                                                             void* storage);
// c[m, n] (packed rows) = a[m, k] (rows lda apart) @ packed (+ bias), each column j scaled by
// column_scale[j] where given (the s8 products, which take no bias: dst = s32 sums * column_scale).
void onednn_matmul_packed(std::int64_t m, const void* a, std::int64_t lda, const OnednnPackedWeight& b,
                          const float* bias, float* c, const float* column_scale = nullptr);

}  // namespace pare::kernels::cpu
