// copy_rows, gather_rows, scatter_add_rows on CUDA: the twins of kernels/cpu/indexing.cpp. An index
// out of range is recorded in the context's error slot (kernels/cuda/device_error.h) and raised at
// the runtime's next read from the device; its rows are left zero.
#include "kernels/cuda/copy_plan.h"
#include "kernels/cuda/device_error.h"
#include "kernels/cuda/grid.h"
#include "kernels/indexing.h"

namespace pare::kernels::cuda {
namespace {

__global__ void gather_kernel(const float* x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                              const std::int64_t* idx, std::int64_t m, float* out, void* error) {
  const std::int64_t total = outer * m * inner;
  for (std::int64_t i = first_index(); i < total; i += grid_stride()) {
    const std::int64_t c = i % inner, j = (i / inner) % m, o = i / (inner * m);
    const std::int64_t id = idx[j];
    if (id < 0 || id >= n) {
      if (c == 0 && o == 0) report_out_of_range(error, id, j, n);
      out[i] = 0.0f;
      continue;
    }
    out[i] = x[(o * n + id) * inner + c];
  }
}

// One thread per (outer, column), visiting the indices in order: repeated indices add up in the same
// order on every run, as on the CPU.
__global__ void scatter_add_kernel(const float* grad_out, std::int64_t outer, std::int64_t m, std::int64_t inner,
                                   const std::int64_t* idx, std::int64_t n, std::int64_t skip_index, float* grad_x) {
  const std::int64_t total = outer * inner;
  for (std::int64_t i = first_index(); i < total; i += grid_stride()) {
    const std::int64_t o = i / inner, c = i % inner;
    for (std::int64_t j = 0; j < m; ++j) {
      const std::int64_t id = idx[j];
      if (id == skip_index || id < 0 || id >= n) continue;
      grad_x[(o * n + id) * inner + c] += grad_out[(o * m + j) * inner + c];
    }
  }
}

}  // namespace

void copy_rows(const Context& ctx, const void* src, void* dst, std::int64_t rows, std::int64_t row_bytes,
               std::int64_t dst_row_bytes) {
  if (rows == 0 || row_bytes == 0) return;
  switch (row_copy_kind(rows, row_bytes, dst_row_bytes)) {
    case RowCopy::contiguous:
      PARE_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(rows * row_bytes), cudaMemcpyDeviceToDevice,
                                      stream_of(ctx)));
      return;
    case RowCopy::pitched:
      PARE_CUDA_CHECK(cudaMemcpy2DAsync(dst, static_cast<std::size_t>(dst_row_bytes), src,
                                        static_cast<std::size_t>(row_bytes), static_cast<std::size_t>(row_bytes),
                                        static_cast<std::size_t>(rows), cudaMemcpyDeviceToDevice, stream_of(ctx)));
      return;
    case RowCopy::row_by_row:
      for (std::int64_t r = 0; r < rows; ++r) {
        PARE_CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(dst) + r * dst_row_bytes,
                                        static_cast<const char*>(src) + r * row_bytes,
                                        static_cast<std::size_t>(row_bytes), cudaMemcpyDeviceToDevice, stream_of(ctx)));
      }
      return;
  }
}

void gather_rows(const Context& ctx, const float* x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                 const std::int64_t* idx, std::int64_t m, float* out) {
  const std::int64_t total = outer * m * inner;
  if (total == 0) return;
  gather_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, outer, n, inner, idx, m, out, ctx.error);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void scatter_add_rows(const Context& ctx, const float* grad_out, std::int64_t outer, std::int64_t m, std::int64_t inner,
                      const std::int64_t* idx, std::int64_t n, std::int64_t skip_index, float* grad_x) {
  const std::int64_t total = outer * inner;
  if (total == 0 || m == 0) return;
  scatter_add_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream_of(ctx)>>>(grad_out, outer, m, inner, idx, n,
                                                                                 skip_index, grad_x);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
