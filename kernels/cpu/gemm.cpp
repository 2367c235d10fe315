#include "kernels/gemm.h"

#include <cblas.h>
#include <omp.h>

namespace pare::kernels::cpu {
namespace {

// Below this many multiply-adds per product, one thread per product beats BLAS's own threading
// (attention's [B*H, T, d] products are ~1M; BERT's projections are 75M and more).
constexpr std::int64_t kSmallProduct = std::int64_t{1} << 23;

CBLAS_TRANSPOSE trans(const GemmOperand& op) { return op.transposed ? CblasTrans : CblasNoTrans; }

void sgemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const GemmOperand& a, const float* a_data,
           const GemmOperand& b, const float* b_data, float beta, float* c, std::int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans(a), trans(b), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a_data, static_cast<blasint>(a.ld), b_data, static_cast<blasint>(b.ld),
              beta, c, static_cast<blasint>(ldc));
}

}  // namespace

void gemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, GemmOperand a, GemmOperand b, float beta,
          float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    // BLAS may skip the call entirely for k == 0, leaving an uninitialised c untouched.
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    }
    return;
  }
  sgemm(m, n, k, alpha, a, a.data, b, b.data, beta, c, ldc);
}

void gemm_batched(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a,
                  const std::int64_t* a_offsets, GemmOperand b, const std::int64_t* b_offsets, float* c) {
  const std::int64_t c_stride = m * n;
  if (batch > 1 && m * n * k < kSmallProduct && omp_get_max_threads() > 1) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < batch; ++i) {
      gemm(m, n, k, 1.0f, {a.data + a_offsets[i], a.ld, a.transposed}, {b.data + b_offsets[i], b.ld, b.transposed},
           0.0f, c + i * c_stride, n);
    }
    return;
  }
  for (std::int64_t i = 0; i < batch; ++i) {
    gemm(m, n, k, 1.0f, {a.data + a_offsets[i], a.ld, a.transposed}, {b.data + b_offsets[i], b.ld, b.transposed},
         0.0f, c + i * c_stride, n);
  }
}

void gemm_bias(std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a, GemmOperand b, const float* bias,
               float* c) {
#pragma omp parallel for schedule(static) if (m * n > 32768)
  for (std::int64_t i = 0; i < m; ++i) {
    float* row = c + i * n;
    for (std::int64_t j = 0; j < n; ++j) row[j] = bias[j];
  }
  if (k > 0) gemm(m, n, k, 1.0f, a, b, 1.0f, c, n);
}

}  // namespace pare::kernels::cpu
