// gemm, gemm_batched, gemm_bias: f32 matrix products on OpenBLAS (the OpenMP build, so its threads
// are the same pool as ours).
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels {

// One row-major operand as BLAS sees it: `transposed` means the stored matrix is op(X)^T, and `ld`
// is the distance between consecutive stored rows.
struct GemmOperand {
  const float* data;
  std::int64_t ld;
  bool transposed;
};

}  // namespace pare::kernels

namespace pare::kernels::cpu {

// c[m, n] = alpha * op(a)[m, k] @ op(b)[k, n] + beta * c, with c row-major of leading dimension ldc.
// beta == 0 ignores what c held (it may be uninitialised).
void gemm(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, GemmOperand a, GemmOperand b,
          float beta, float* c, std::int64_t ldc);

// For each batch entry i: c + i*m*n (packed) = op(a + a_offsets[i]) @ op(b + b_offsets[i]).
// Products run one per thread (a BLAS call inside a parallel region is single-threaded), except a few
// large ones that do not split evenly over the threads: those run one after another on all threads.
void gemm_batched(const Context& ctx, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a,
                  const std::int64_t* a_offsets, GemmOperand b, const std::int64_t* b_offsets, float* c);

// c[m, n] = op(a) @ op(b) + bias[n] broadcast over rows: the bias is written first and GEMM adds
// into it with beta = 1, which costs no more than the zeroing pass beta = 0 does.
void gemm_bias(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a, GemmOperand b,
               const float* bias, float* c);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::gemm) gemm;
decltype(cpu::gemm_batched) gemm_batched;
decltype(cpu::gemm_bias) gemm_bias;
}  // namespace pare::kernels::cuda
