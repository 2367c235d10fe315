// copy_rows on CUDA: the twin of kernels/cpu/indexing.cpp's, one pitched copy on the stream.
// gather_rows and scatter_add_rows wait for a device-side way to report an index out of range.
#include "kernels/cuda/launch.h"
#include "kernels/indexing.h"

namespace pare::kernels::cuda {

void copy_rows(const Context& ctx, const void* src, void* dst, std::int64_t rows, std::int64_t row_bytes,
               std::int64_t dst_row_bytes) {
  if (rows == 0 || row_bytes == 0) return;
  PARE_CUDA_CHECK(cudaMemcpy2DAsync(dst, static_cast<std::size_t>(dst_row_bytes), src,
                                    static_cast<std::size_t>(row_bytes), static_cast<std::size_t>(row_bytes),
                                    static_cast<std::size_t>(rows), cudaMemcpyDeviceToDevice, stream_of(ctx)));
}

}  // namespace pare::kernels::cuda
