// gemm, gemm_batched, gemm_bf16 on CUDA through cuBLAS, gemm_bias through cuBLASLt's bias epilogue:
// the twins of kernels/cpu/gemm.cpp. Our
// operands are row-major; cuBLAS is column-major, where a row-major X with leading dimension ld reads
// as X^T. So row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first.
#include <memory>
#include <stdexcept>

#include "kernels/cuda/batched_gemm.h"
#include "kernels/cuda/bias_gemm.h"
#include "kernels/cuda/cublas_check.h"
#include "kernels/cuda/grid.h"
#include "kernels/gemm.h"

namespace pare::kernels::cuda {
namespace {

cublasHandle_t handle_of(const Context& ctx) {
  auto handle = static_cast<cublasHandle_t>(ctx.blas);
  PARE_CUBLAS_CHECK(cublas().set_stream(handle, stream_of(ctx)));
  return handle;
}

// An operand stored row-major as op(X) (not transposed) reads in column-major as op(X)^T, which is
// what the swapped product wants: no transpose. A transposed operand needs one.
cublasOperation_t op_of(const GemmOperand& x) { return x.transposed ? CUBLAS_OP_T : CUBLAS_OP_N; }

// c = beta * c over [m, n] with leading dimension ldc (k == 0, where BLAS may leave c untouched).
__global__ void scale_rows_kernel(float* c, std::int64_t m, std::int64_t n, std::int64_t ldc, float beta) {
  for (std::int64_t i = first_index(); i < m * n; i += grid_stride()) {
    float& e = c[(i / n) * ldc + i % n];
    e = beta == 0.0f ? 0.0f : beta * e;
  }
}

__global__ void bias_rows_kernel(const float* bias, float* c, std::int64_t m, std::int64_t n) {
  for (std::int64_t i = first_index(); i < m * n; i += grid_stride()) c[i] = bias[i % n];
}

}  // namespace

void gemm(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, GemmOperand a, GemmOperand b,
          float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scale_rows_kernel<<<blocks_for(m * n), kThreadsPerBlock, 0, stream_of(ctx)>>>(c, m, n, ldc, beta);
    PARE_CUDA_CHECK_LAUNCH(ctx);
    return;
  }
  PARE_CUBLAS_CHECK(cublas().sgemm(handle_of(ctx), op_of(b), op_of(a), static_cast<int>(n), static_cast<int>(m),
                                   static_cast<int>(k), &alpha, b.data, static_cast<int>(b.ld), a.data,
                                   static_cast<int>(a.ld), &beta, c, static_cast<int>(ldc)));
}

void gemm_batched(const Context& ctx, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a,
                  const std::int64_t* a_offsets, GemmOperand b, const std::int64_t* b_offsets, float* c) {
  if (batch == 0) return;
  // Offsets that split into outer x inner progressions make one batched call; other patterns, which the
  // runtime does not produce today, run one product at a time.
  if (const auto s = two_level_offsets(a_offsets, b_offsets, batch)) {
    gemm_two_level_batched(ctx, s->outer, s->inner, m, n, k, 1.0f,
                           {a.data + a_offsets[0], GemmElement::f32, s->a_outer, s->a_inner, a.ld, a.transposed},
                           {b.data + b_offsets[0], GemmElement::f32, s->b_outer, s->b_inner, b.ld, b.transposed}, 0.0f,
                           {c, s->inner * m * n, m * n, n});
    return;
  }
  for (std::int64_t i = 0; i < batch; ++i) {
    gemm(ctx, m, n, k, 1.0f, {a.data + a_offsets[i], a.ld, a.transposed}, {b.data + b_offsets[i], b.ld, b.transposed},
         0.0f, c + i * m * n, n);
  }
}

void gemm_bias(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a, GemmOperand b,
               const float* bias, float* c) {
  if (m == 0 || n == 0) return;
  if (k > 0 && bias_epilogue_takes(bias)) {
    gemm_with_bias_epilogue(ctx, m, n, k, GemmElement::f32, {a.data, a.ld, a.transposed}, {b.data, b.ld, b.transposed},
                            bias, c);
    return;
  }
  // No product (k = 0), or a bias the epilogue cannot read: the bias first, the product added to it.
  bias_rows_kernel<<<blocks_for(m * n), kThreadsPerBlock, 0, stream_of(ctx)>>>(bias, c, m, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
  if (k > 0) gemm(ctx, m, n, k, 1.0f, a, b, 1.0f, c, n);
}

void gemm_bf16(const Context& ctx, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k,
               Bf16GemmOperand a, const std::int64_t* a_offsets, Bf16GemmOperand b, const std::int64_t* b_offsets,
               const float* bias, float* c) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (bias != nullptr && batch == 1 && k > 0 && bias_epilogue_takes(bias)) {
    gemm_with_bias_epilogue(ctx, m, n, k, GemmElement::bf16, {a.data + a_offsets[0], a.ld, a.transposed},
                            {b.data + b_offsets[0], b.ld, b.transposed}, bias, c);
    return;
  }
  // Several products with a bias: the bias written first and the products added to it.
  float beta = 0.0f;
  if (bias != nullptr) {
    bias_rows_kernel<<<blocks_for(batch * m * n), kThreadsPerBlock, 0, stream_of(ctx)>>>(bias, c, batch * m, n);
    PARE_CUDA_CHECK_LAUNCH(ctx);
    beta = 1.0f;
  }
  if (const auto s = two_level_offsets(a_offsets, b_offsets, batch)) {
    gemm_two_level_batched(ctx, s->outer, s->inner, m, n, k, 1.0f,
                           {a.data + a_offsets[0], GemmElement::bf16, s->a_outer, s->a_inner, a.ld, a.transposed},
                           {b.data + b_offsets[0], GemmElement::bf16, s->b_outer, s->b_inner, b.ld, b.transposed}, beta,
                           {c, s->inner * m * n, m * n, n});
    return;
  }
  for (std::int64_t i = 0; i < batch; ++i) {
    gemm_two_level_batched(
        ctx, 1, 1, m, n, k, 1.0f, {a.data + a_offsets[i], GemmElement::bf16, 0, 0, a.ld, a.transposed},
        {b.data + b_offsets[i], GemmElement::bf16, 0, 0, b.ld, b.transposed}, beta, {c + i * m * n, 0, 0, n});
  }
}

namespace {

// cuBLAS reads the plain layout at full speed: the packed form is the weight where it lies, so the
// caller keeps it alive and unchanged while packed, as kernels/gemm.h requires of every caller (a copy
// would double an inference model's GPU memory for nothing).
struct PlainWeight : PackedGemmWeight {
  const void* data = nullptr;
  std::int64_t ld = 0;
  bool transposed = false;
};

}  // namespace

std::int64_t packed_gemm_weight_bytes(const Context&, bool, std::int64_t, std::int64_t) { return 0; }

std::shared_ptr<const PackedGemmWeight> pack_gemm_weight(const Context&, bool bf16, std::int64_t n, std::int64_t k,
                                                         const void* b, std::int64_t ldb, bool transposed, void*) {
  auto out = std::make_shared<PlainWeight>();
  out->n = n;
  out->k = k;
  out->bf16 = bf16;
  out->data = b;
  out->ld = ldb;
  out->transposed = transposed;
  return out;
}

void gemm_packed(const Context& ctx, std::int64_t m, const void* a, std::int64_t lda, const PackedGemmWeight& b,
                 const float* bias, float* c) {
  const auto* plain = dynamic_cast<const PlainWeight*>(&b);
  if (plain == nullptr) throw std::invalid_argument("gemm_packed: a weight packed by another backend");
  if (b.bf16) {
    const std::int64_t zero = 0;
    gemm_bf16(ctx, 1, m, b.n, b.k, {static_cast<const std::uint16_t*>(a), lda, false}, &zero,
              {static_cast<const std::uint16_t*>(plain->data), plain->ld, plain->transposed}, &zero, bias, c);
    return;
  }
  const GemmOperand a_op{static_cast<const float*>(a), lda, false};
  const GemmOperand b_op{static_cast<const float*>(plain->data), plain->ld, plain->transposed};
  if (bias != nullptr) {
    gemm_bias(ctx, m, b.n, b.k, a_op, b_op, bias, c);
    return;
  }
  gemm(ctx, m, b.n, b.k, 1.0f, a_op, b_op, 0.0f, c, b.n);
}

}  // namespace pare::kernels::cuda
