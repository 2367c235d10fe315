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

__global__ void pointer_array_kernel(const float* a, std::int64_t a_outer, std::int64_t a_inner, const float* b,
                                     std::int64_t b_outer, std::int64_t b_inner, float* c, std::int64_t c_outer,
                                     std::int64_t c_inner, std::int64_t inner, std::int64_t count, const float** a_out,
                                     const float** b_out, float** c_out) {
  for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
    const std::int64_t o = i / inner, j = i % inner;
    a_out[i] = a + o * a_outer + j * a_inner;
    b_out[i] = b + o * b_outer + j * b_inner;
    c_out[i] = c + o * c_outer + j * c_inner;
  }
}

// k == 0: every output is zero (cuBLAS is not asked to define that case).
__global__ void zero_outputs_kernel(float* c, std::int64_t c_outer, std::int64_t c_inner, std::int64_t ldc,
                                    std::int64_t inner, std::int64_t m, std::int64_t n, std::int64_t count) {
  for (std::int64_t i = first_index(); i < count * m * n; i += grid_stride()) {
    const std::int64_t entry = i / (m * n), r = i % (m * n) / n, col = i % n;
    c[entry / inner * c_outer + entry % inner * c_inner + r * ldc + col] = 0.0f;
  }
}

cublasOperation_t op_of(bool transposed) { return transposed ? CUBLAS_OP_T : CUBLAS_OP_N; }

}  // namespace

void gemm_two_level_batched(const Context& ctx, std::int64_t outer, std::int64_t inner, std::int64_t m, std::int64_t n,
                            std::int64_t k, float alpha, const BatchedOperand& a, const BatchedOperand& b,
                            const BatchedOutput& c) {
  const std::int64_t count = outer * inner;
  if (count == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    zero_outputs_kernel<<<blocks_for(count * m * n), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        c.data, c.outer_stride, c.inner_stride, c.ld, inner, m, n, count);
    PARE_CUDA_CHECK_LAUNCH(ctx);
    return;
  }
  auto handle = static_cast<cublasHandle_t>(ctx.blas);
  PARE_CUBLAS_CHECK(cublas().set_stream(handle, stream_of(ctx)));
  const float beta = 0.0f;
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first (gemm.cu).
  if (evenly_spaced(outer, inner, a.outer_stride, a.inner_stride) &&
      evenly_spaced(outer, inner, b.outer_stride, b.inner_stride) &&
      evenly_spaced(outer, inner, c.outer_stride, c.inner_stride)) {
    PARE_CUBLAS_CHECK(cublas().sgemm_strided_batched(
        handle, op_of(b.transposed), op_of(a.transposed), static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
        &alpha, b.data, static_cast<int>(b.ld), spacing(inner, b.outer_stride, b.inner_stride), a.data,
        static_cast<int>(a.ld), spacing(inner, a.outer_stride, a.inner_stride), &beta, c.data, static_cast<int>(c.ld),
        spacing(inner, c.outer_stride, c.inner_stride), static_cast<int>(count)));
    return;
  }
  DeviceScratch pointers(ctx, 3 * static_cast<std::size_t>(count) * sizeof(void*));
  auto** a_ptrs = pointers.as<const float*>();
  const float** b_ptrs = a_ptrs + count;
  auto** c_ptrs = static_cast<float**>(static_cast<void*>(b_ptrs + count));
  pointer_array_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      a.data, a.outer_stride, a.inner_stride, b.data, b.outer_stride, b.inner_stride, c.data, c.outer_stride,
      c.inner_stride, inner, count, a_ptrs, b_ptrs, c_ptrs);
  PARE_CUDA_CHECK_LAUNCH(ctx);
  PARE_CUBLAS_CHECK(cublas().sgemm_batched(handle, op_of(b.transposed), op_of(a.transposed), static_cast<int>(n),
                                           static_cast<int>(m), static_cast<int>(k), &alpha, b_ptrs,
                                           static_cast<int>(b.ld), a_ptrs, static_cast<int>(a.ld), &beta, c_ptrs,
                                           static_cast<int>(c.ld), static_cast<int>(count)));
}

}  // namespace pare::kernels::cuda
