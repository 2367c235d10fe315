// copy_rows, gather_rows, scatter_add_rows on CUDA: the twins of kernels/cpu/indexing.cpp. An index
// out of range is recorded in the context's error slot (kernels/cuda/device_error.h) and raised at
// the runtime's next read from the device; its rows are left zero.
#include <climits>
#include <cstdint>
#include <cub/device/device_radix_sort.cuh>

#include "kernels/cuda/copy_plan.h"
#include "kernels/cuda/device_error.h"
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"
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

// The scatter-add in parallel over the rows it writes: the indices are sorted (stably, so equal ones
// keep their order j) with their positions; the first position of each run of one index (a segment)
// then adds, per column, the rows of its segment into grad_x in order j, starting from what grad_x
// holds: the CPU's sum, in the CPU's order, with one thread per (written row, column) instead of one
// per column. Skipped and out-of-range indices sort last under the key n and add nothing.
__global__ void sort_keys_kernel(const std::int64_t* idx, std::int64_t m, std::int64_t n, std::int64_t skip_index,
                                 int* keys, int* positions) {
  for (std::int64_t j = first_index(); j < m; j += grid_stride()) {
    const std::int64_t id = idx[j];
    keys[j] = static_cast<int>(id == skip_index || id < 0 || id >= n ? n : id);
    positions[j] = static_cast<int>(j);
  }
}

__global__ void segment_add_kernel(const float* grad_out, std::int64_t outer, std::int64_t m, std::int64_t inner,
                                   const int* keys, const int* positions, std::int64_t n, float* grad_x) {
  const std::int64_t total = outer * m * inner;
  for (std::int64_t i = first_index(); i < total; i += grid_stride()) {
    const std::int64_t c = i % inner, p = (i / inner) % m, o = i / (inner * m);
    const int key = keys[p];
    if (key == n || (p > 0 && keys[p - 1] == key)) continue;  // not the head of a segment
    float* dst = grad_x + (o * n + key) * inner + c;
    float acc = *dst;
    for (std::int64_t q = p; q < m && keys[q] == key; ++q) acc += grad_out[(o * m + positions[q]) * inner + c];
    *dst = acc;
  }
}

// One thread per (outer, column), visiting the indices in order: repeated indices add up in the same
// order on every run, as on the CPU. For shapes the sorted form cannot index (above 2^31 - 1).
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
  if (m >= INT32_MAX || n >= INT32_MAX) {
    scatter_add_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream_of(ctx)>>>(grad_out, outer, m, inner, idx, n,
                                                                                   skip_index, grad_x);
    PARE_CUDA_CHECK_LAUNCH(ctx);
    return;
  }
  const int count = static_cast<int>(m);
  // Keys hold n + 1 values: the radix sort needs only their bits.
  int key_bits = 1;
  while (key_bits < 31 && (std::int64_t{1} << key_bits) <= n) ++key_bits;
  std::size_t sort_bytes = 0;
  PARE_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, sort_bytes, static_cast<const int*>(nullptr),
                                                  static_cast<int*>(nullptr), static_cast<const int*>(nullptr),
                                                  static_cast<int*>(nullptr), count, 0, key_bits, stream_of(ctx)));
  // The sort's temporary storage first (the pool's blocks are aligned as it needs), then keys, sorted
  // keys, positions and sorted positions.
  const std::size_t arrays_at = (sort_bytes + 255) / 256 * 256;
  DeviceScratch scratch(ctx, arrays_at + 4 * static_cast<std::size_t>(m) * sizeof(int));
  auto* keys = reinterpret_cast<int*>(scratch.as<char>() + arrays_at);
  int* sorted_keys = keys + m;
  int* positions = sorted_keys + m;
  int* sorted_positions = positions + m;
  sort_keys_kernel<<<blocks_for(m), kThreadsPerBlock, 0, stream_of(ctx)>>>(idx, m, n, skip_index, keys, positions);
  PARE_CUDA_CHECK_LAUNCH(ctx);
  PARE_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(scratch.as<char>(), sort_bytes, keys, sorted_keys, positions,
                                                  sorted_positions, count, 0, key_bits, stream_of(ctx)));
  segment_add_kernel<<<blocks_for(outer * m * inner), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      grad_out, outer, m, inner, sorted_keys, sorted_positions, n, grad_x);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
