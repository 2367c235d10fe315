#include "kernels/gemm.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <stdexcept>
#include <string>

#include "kernels/cpu/onednn_matmul.h"
#include "kernels/cpu/thread_budget.h"

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

// Multiply-adds from which a product runs through a oneDNN matmul primitive rather than dnnl_sgemm.
constexpr std::int64_t kPrimitiveWork = std::int64_t{1} << 22;

char trans(bool transposed) { return transposed ? 'T' : 'N'; }

void sgemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const GemmOperand& a, const float* a_data,
           const GemmOperand& b, const float* b_data, float beta, float* c, std::int64_t ldc) {
  const dnnl_status_t status =
      dnnl_sgemm(trans(a.transposed), trans(b.transposed), m, n, k, alpha, a_data, a.ld, b_data, b.ld, beta, c, ldc);
  if (status != dnnl_success) {
    throw std::runtime_error("oneDNN sgemm failed (status " + std::to_string(status) + ") for [" + std::to_string(m) +
                             ", " + std::to_string(k) + "] x [" + std::to_string(k) + ", " + std::to_string(n) + "]");
  }
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
  if (omp_get_level() == 0 && m * n * k >= kPrimitiveWork) {
    // Top level and large: the primitive's kernels, on every thread.
    onednn_matmul({MatmulOperands::f32, m, n, k, a.ld, a.transposed, b.ld, b.transposed, ldc, alpha, beta}, a.data,
                  b.data, c);
    return;
  }
  // Inside a parallel region (a product per thread): oneDNN's stateless BLAS-style call on this thread;
  // small products: the same call, which spares them the primitive's thread barriers (with another
  // process on the cores, those made a 64-row MLP's 300 steps take 7 s instead of 0.07), on the
  // threads their work deserves.
  const ThreadLimit limit(product_threads(m, n, k));
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
  if (k > 0 && omp_get_level() == 0 && m * n * k >= kPrimitiveWork) {
    // The primitive adds the bias itself: no pass writing it first.
    MatmulShape shape{MatmulOperands::f32, m, n, k, a.ld, a.transposed, b.ld, b.transposed, n, 1.0f, 0.0f};
    shape.bias = true;
    onednn_matmul(shape, a.data, b.data, c, bias);
    return;
  }
  const int threads = elementwise_threads(m * n, 32768);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t i = 0; i < m; ++i) {
    float* row = c + i * n;
    for (std::int64_t j = 0; j < n; ++j) row[j] = bias[j];
  }
  if (k > 0) gemm(ctx, m, n, k, 1.0f, a, b, 1.0f, c, n);
}

void gemm_bf16(const Context&, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, Bf16GemmOperand a,
               const std::int64_t* a_offsets, Bf16GemmOperand b, const std::int64_t* b_offsets, const float* bias,
               float* c) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    for (std::int64_t i = 0; i < batch * m * n; ++i) c[i] = bias == nullptr ? 0.0f : bias[i % n];
    return;
  }
  MatmulShape shape{MatmulOperands::bf16, m, n, k, a.ld, a.transposed, b.ld, b.transposed, n, 1.0f, 0.0f};
  shape.bias = bias != nullptr;
  if (!parallel_over_batch(batch, m * n * k)) {
    // Outside any parallel region (an inactive one, `parallel if (false)`, made oneDNN run 15x slower).
    for (std::int64_t i = 0; i < batch; ++i)
      onednn_matmul(shape, a.data + a_offsets[i], b.data + b_offsets[i], c + i * m * n, bias);
    return;
  }
  // One product per thread; inside the region each runs on its thread alone.
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < batch; ++i)
    onednn_matmul(shape, a.data + a_offsets[i], b.data + b_offsets[i], c + i * m * n, bias);
}

std::int64_t packed_gemm_weight_bytes(const Context&, bool bf16, std::int64_t n, std::int64_t k) {
  return onednn_packed_weight_bytes(bf16 ? MatmulOperands::bf16 : MatmulOperands::f32, n, k);
}

std::shared_ptr<const PackedGemmWeight> pack_gemm_weight(const Context&, bool bf16, std::int64_t n, std::int64_t k,
                                                         const void* b, std::int64_t ldb, bool transposed,
                                                         void* storage) {
  return onednn_pack_weight(bf16 ? MatmulOperands::bf16 : MatmulOperands::f32, n, k, b, ldb, transposed, storage);
}

void gemm_packed(const Context&, std::int64_t m, const void* a, std::int64_t lda, const PackedGemmWeight& b,
                 const float* bias, float* c) {
  if (m == 0 || b.n == 0) return;
  const auto* packed = dynamic_cast<const OnednnPackedWeight*>(&b);
  if (packed == nullptr) throw std::invalid_argument("gemm_packed: a weight packed by another backend");
  if (packed->s8) throw std::invalid_argument("gemm_packed: an s8 weight (gemm_s8_packed reads those)");
  onednn_matmul_packed(m, a, lda, *packed, bias, c);
}

}  // namespace pare::kernels::cpu
