#include "kernels/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/half_float.h"  // float_from_bf16

namespace pare::kernels::cpu {
namespace {

// Below this many multiply-adds per product, BLAS's own threading gains little, so a thread per
// product wins even when the batch does not split evenly (attention's [T, T, 64] products: ~1M).
constexpr std::int64_t kSmallProduct = std::int64_t{1} << 23;

// One product per thread unless the batch splits so unevenly over the threads that large products
// are better run one after another on all of them. Measured on 2 cores (bench/gemm_bench.cpp):
// 12 x [128, 128, 64] about 3.5x and 12 x [512, 512, 64] about 2.4x faster than one after another;
// 3 large products one after another beat 2 + 1 per thread.
bool parallel_over_batch(std::int64_t batch, std::int64_t macs_per_product) {
  const std::int64_t threads = omp_get_max_threads();
  if (batch < 2 || threads < 2) return false;
  const std::int64_t rounds = (batch + threads - 1) / threads;
  const bool balanced = 5 * batch >= 4 * threads * rounds;  // at least 80% of the thread-rounds busy
  return balanced || macs_per_product < kSmallProduct;
}

CBLAS_TRANSPOSE trans(const GemmOperand& op) { return op.transposed ? CblasTrans : CblasNoTrans; }

void sgemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const GemmOperand& a, const float* a_data,
           const GemmOperand& b, const float* b_data, float beta, float* c, std::int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans(a), trans(b), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a_data, static_cast<blasint>(a.ld), b_data, static_cast<blasint>(b.ld),
              beta, c, static_cast<blasint>(ldc));
}

}  // namespace

void gemm(const Context&, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, GemmOperand a, GemmOperand b,
          float beta, float* c, std::int64_t ldc) {
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

void gemm_batched(const Context& ctx, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a,
                  const std::int64_t* a_offsets, GemmOperand b, const std::int64_t* b_offsets, float* c) {
  const std::int64_t c_stride = m * n;
  if (parallel_over_batch(batch, m * n * k)) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < batch; ++i) {
      gemm(ctx, m, n, k, 1.0f, {a.data + a_offsets[i], a.ld, a.transposed}, {b.data + b_offsets[i], b.ld, b.transposed},
           0.0f, c + i * c_stride, n);
    }
    return;
  }
  for (std::int64_t i = 0; i < batch; ++i) {
    gemm(ctx, m, n, k, 1.0f, {a.data + a_offsets[i], a.ld, a.transposed}, {b.data + b_offsets[i], b.ld, b.transposed},
         0.0f, c + i * c_stride, n);
  }
}

void gemm_bias(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a, GemmOperand b,
               const float* bias, float* c) {
#pragma omp parallel for schedule(static) if (m * n > 32768)
  for (std::int64_t i = 0; i < m; ++i) {
    float* row = c + i * n;
    for (std::int64_t j = 0; j < n; ++j) row[j] = bias[j];
  }
  if (k > 0) gemm(ctx, m, n, k, 1.0f, a, b, 1.0f, c, n);
}

namespace {

// The f32 values of every element a batch of operands can read: [0, the last entry's offset + its
// stored extent).
std::vector<float> widened(const Bf16GemmOperand& x, const std::int64_t* offsets, std::int64_t batch,
                           std::int64_t stored_rows, std::int64_t stored_cols) {
  const std::int64_t last = *std::max_element(offsets, offsets + batch);
  const std::int64_t extent = stored_rows == 0 || stored_cols == 0 ? 0 : last + (stored_rows - 1) * x.ld + stored_cols;
  std::vector<float> out(static_cast<std::size_t>(extent));
#pragma omp parallel for schedule(static) if (extent > 65536)
  for (std::int64_t i = 0; i < extent; ++i) out[static_cast<std::size_t>(i)] = float_from_bf16(x.data[i]);
  return out;
}

}  // namespace

void gemm_bf16(const Context& ctx, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k,
               Bf16GemmOperand a, const std::int64_t* a_offsets, Bf16GemmOperand b, const std::int64_t* b_offsets,
               float beta, float* c) {
  if (batch == 0 || m == 0 || n == 0) return;
  // op(a) is [m, k]: stored [m, k], or [k, m] when transposed; likewise b.
  const std::vector<float> fa = widened(a, a_offsets, batch, a.transposed ? k : m, a.transposed ? m : k);
  const std::vector<float> fb = widened(b, b_offsets, batch, b.transposed ? n : k, b.transposed ? k : n);
  const GemmOperand wa{fa.data(), a.ld, a.transposed}, wb{fb.data(), b.ld, b.transposed};
  if (beta == 0.0f) return gemm_batched(ctx, batch, m, n, k, wa, a_offsets, wb, b_offsets, c);
  for (std::int64_t i = 0; i < batch; ++i) {
    gemm(ctx, m, n, k, 1.0f, {wa.data + a_offsets[i], wa.ld, wa.transposed},
         {wb.data + b_offsets[i], wb.ld, wb.transposed}, beta, c + i * m * n, n);
  }
}

}  // namespace pare::kernels::cpu
