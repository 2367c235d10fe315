// gemm, gemm_batched, gemm_bias: f32 matrix products; gemm_bf16: the mixed-precision product (bf16
// operands, f32 accumulation and output) that the bf16 precision policy (runtime/precision.h) routes
// matrix products to. On the CPU they run on oneDNN (the OpenMP build, so its threads are our pool),
// chosen by measurement on a 2-core Zen 5 (GFLOP/s at BERT-base shapes, 1024 x 768 x 768 to 3072):
// OpenBLAS 0.3.21 177-198 with OPENBLAS_CORETYPE=Haswell (as CI's machines set it) and 354-364 without,
// Debian's BLIS 0.9 35 (generic kernels on Zen 5), oneDNN sgemm 299-392 either way, oneDNN bf16 matmul
// 715-764 (AVX512_BF16). oneDNN picks its kernels by the CPU's instruction set, not the environment.
#pragma once

#include <cstdint>
#include <memory>

#include "kernels/context.h"

namespace pare::kernels {

// One row-major operand as BLAS sees it: `transposed` means the stored matrix is op(X)^T, and `ld`
// is the distance between consecutive stored rows.
struct GemmOperand {
  const float* data;
  std::int64_t ld;
  bool transposed;
};

// The same for bf16 operands (the bits of each value, as DType::bf16 tensors hold them).
struct Bf16GemmOperand {
  const std::uint16_t* data;
  std::int64_t ld;
  bool transposed;
};

// A weight op(b)[k, n] laid out once for the many products of inference, as the backend's products
// read it fastest. Made by pack_gemm_weight, owned by the caller, read by gemm_packed; each backend
// derives its own form.
struct PackedGemmWeight {
  std::int64_t n = 0, k = 0;
  bool bf16 = false;  // packed from bf16 bits; gemm_packed then takes bf16 rows
  bool s8 = false;    // packed by pack_s8_weight (kernels/int8.h); read by gemm_s8_packed alone
  virtual ~PackedGemmWeight() = default;
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

// For each batch entry i: c + i*m*n (packed, f32) = op(a + a_offsets[i]) @ op(b + b_offsets[i]) (+ bias[n]
// broadcast over rows, when bias is not null), the products of bf16 values summed in f32; c may be
// uninitialised. On the CPU a oneDNN matmul primitive per shape (AVX512_BF16 or AMX where the CPU has
// them, else oneDNN's own emulation), which adds the bias itself.
void gemm_bf16(const Context& ctx, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k,
               Bf16GemmOperand a, const std::int64_t* a_offsets, Bf16GemmOperand b, const std::int64_t* b_offsets,
               const float* bias, float* c);

// op(b)[k, n] (f32, or the bits of bf16 values when `bf16`) in the layout the products read fastest:
// on the CPU oneDNN's blocked weight format, which runs BERT-base's products of 128 rows 1.1-1.3x
// faster than the plain layout (2 Zen 5 cores, f32 and bf16) because no product packs it again.
// A backend whose products read the plain layout at full speed (CUDA: cuBLAS) packs nothing: its
// packed weight refers to b where it lies (packed_gemm_weight_bytes 0). So b must stay alive and
// unchanged while the packed weight is used, on every backend. The one caller, ParameterCache
// (runtime/parameter_cache.h), keeps both: its store holds the parameters (and their bf16 copies),
// and its scope is never open across a write to them. Where a backend does copy (the CPU, into
// `storage`: packed_gemm_weight_bytes of them, owned by the caller and kept while the packed weight
// is used), b is merely not read again.
std::int64_t packed_gemm_weight_bytes(const Context& ctx, bool bf16, std::int64_t n, std::int64_t k);
std::shared_ptr<const PackedGemmWeight> pack_gemm_weight(const Context& ctx, bool bf16, std::int64_t n, std::int64_t k,
                                                         const void* b, std::int64_t ldb, bool transposed,
                                                         void* storage);

// c[m, n] (packed rows) = a[m, k] (row-major, rows lda apart; f32, or bf16 bits when the weight was
// packed from bf16) @ the packed weight (+ bias[n] on every row, when bias is not null).
void gemm_packed(const Context& ctx, std::int64_t m, const void* a, std::int64_t lda, const PackedGemmWeight& b,
                 const float* bias, float* c);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::gemm) gemm;
decltype(cpu::gemm_batched) gemm_batched;
decltype(cpu::gemm_bias) gemm_bias;
decltype(cpu::gemm_bf16) gemm_bf16;
decltype(cpu::packed_gemm_weight_bytes) packed_gemm_weight_bytes;
decltype(cpu::pack_gemm_weight) pack_gemm_weight;
decltype(cpu::gemm_packed) gemm_packed;
}  // namespace pare::kernels::cuda
