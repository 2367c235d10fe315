#include <algorithm>
#include <stdexcept>

#include "kernels/cuda/batched_gemm.h"
#include "kernels/cuda/cublas_check.h"
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"

namespace pare::kernels::cuda {
namespace {

// Entries evenly spaced by inner_stride across both levels: entry i at data + i * inner_stride.
bool evenly_spaced(std::int64_t outer, std::int64_t inner, std::int64_t outer_stride, std::int64_t inner_stride) {
  return outer == 1 || outer_stride == inner * inner_stride;
}

// The spacing of an evenly spaced operand's entries (inner == 1 leaves only the outer level).
std::int64_t spacing(std::int64_t inner, std::int64_t outer_stride, std::int64_t inner_stride) {
  return inner == 1 ? outer_stride : inner_stride;
}

std::int64_t element_bytes(GemmElement e) { return e == GemmElement::f32 ? 4 : 2; }
cudaDataType data_type(GemmElement e) { return e == GemmElement::f32 ? CUDA_R_32F : CUDA_R_16BF; }

// Pointer arrays for the three operands; strides in bytes.
struct PointerLevels {
  const char* base;
  std::int64_t outer_bytes, inner_bytes;
};

__global__ void pointer_array_kernel(PointerLevels a, PointerLevels b, PointerLevels c, std::int64_t inner,
                                     std::int64_t count, const void** a_out, const void** b_out, void** c_out) {
  for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
    const std::int64_t o = i / inner, j = i % inner;
    a_out[i] = a.base + o * a.outer_bytes + j * a.inner_bytes;
    b_out[i] = b.base + o * b.outer_bytes + j * b.inner_bytes;
    c_out[i] = const_cast<char*>(c.base) + o * c.outer_bytes + j * c.inner_bytes;
  }
}

// k == 0: every output is beta * c (cuBLAS is not asked to define that case).
__global__ void scale_outputs_kernel(float* c, std::int64_t c_outer, std::int64_t c_inner, std::int64_t ldc,
                                     std::int64_t inner, std::int64_t m, std::int64_t n, std::int64_t count,
                                     float beta) {
  for (std::int64_t i = first_index(); i < count * m * n; i += grid_stride()) {
    const std::int64_t entry = i / (m * n), r = i % (m * n) / n, col = i % n;
    float& e = c[entry / inner * c_outer + entry % inner * c_inner + r * ldc + col];
    e = beta == 0.0f ? 0.0f : beta * e;
  }
}

cublasOperation_t op_of(bool transposed) { return transposed ? CUBLAS_OP_T : CUBLAS_OP_N; }

PointerLevels levels(const BatchedOperand& x) {
  const std::int64_t size = element_bytes(x.element);
  return {static_cast<const char*>(x.data), x.outer_stride * size, x.inner_stride * size};
}

}  // namespace

void gemm_two_level_batched(const Context& ctx, std::int64_t outer, std::int64_t inner, std::int64_t m, std::int64_t n,
                            std::int64_t k, float alpha, const BatchedOperand& a, const BatchedOperand& b, float beta,
                            const BatchedOutput& c) {
  if (a.element != b.element) throw std::invalid_argument("batched GEMM: operands of two element types");
  const std::int64_t count = outer * inner;
  if (count == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    scale_outputs_kernel<<<blocks_for(count * m * n), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        c.data, c.outer_stride, c.inner_stride, c.ld, inner, m, n, count, beta);
    PARE_CUDA_CHECK_LAUNCH(ctx);
    return;
  }
  auto handle = static_cast<cublasHandle_t>(ctx.blas);
  PARE_CUBLAS_CHECK(cublas().set_stream(handle, stream_of(ctx)));
  const cudaDataType type = data_type(a.element);
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first (gemm.cu).
  if (evenly_spaced(outer, inner, a.outer_stride, a.inner_stride) &&
      evenly_spaced(outer, inner, b.outer_stride, b.inner_stride) &&
      evenly_spaced(outer, inner, c.outer_stride, c.inner_stride)) {
    PARE_CUBLAS_CHECK(cublas().gemm_strided_batched_ex(
        handle, op_of(b.transposed), op_of(a.transposed), static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
        &alpha, b.data, type, static_cast<int>(b.ld), spacing(inner, b.outer_stride, b.inner_stride), a.data, type,
        static_cast<int>(a.ld), spacing(inner, a.outer_stride, a.inner_stride), &beta, c.data, CUDA_R_32F,
        static_cast<int>(c.ld), spacing(inner, c.outer_stride, c.inner_stride), static_cast<int>(count),
        CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return;
  }
  DeviceScratch pointers(ctx, 3 * static_cast<std::size_t>(count) * sizeof(void*));
  auto** a_ptrs = pointers.as<const void*>();
  const void** b_ptrs = a_ptrs + count;
  auto** c_ptrs = static_cast<void**>(static_cast<void*>(b_ptrs + count));
  const PointerLevels c_levels{reinterpret_cast<const char*>(c.data), c.outer_stride * 4, c.inner_stride * 4};
  pointer_array_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      levels(a), levels(b), c_levels, inner, count, a_ptrs, b_ptrs, c_ptrs);
  PARE_CUDA_CHECK_LAUNCH(ctx);
  PARE_CUBLAS_CHECK(cublas().gemm_batched_ex(
      handle, op_of(b.transposed), op_of(a.transposed), static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
      &alpha, b_ptrs, type, static_cast<int>(b.ld), a_ptrs, type, static_cast<int>(a.ld), &beta, c_ptrs, CUDA_R_32F,
      static_cast<int>(c.ld), static_cast<int>(count), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

}  // namespace pare::kernels::cuda
