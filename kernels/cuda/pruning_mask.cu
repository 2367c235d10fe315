// mask_expand, mask_reduce, keep_top_k, sigmoid_at_least on CUDA: the twins of
// kernels/cpu/pruning_mask.cpp. mask_reduce gives each entry one warp that walks the rows in a fixed
// order and finds the entry's columns by binary search (col_index never decreases), so its sums do not
// vary run to run and need no atomics. keep_top_k ranks with a stable radix sort, which keeps equal
// values in position order as the CPU's stable sort does.
#include <cub/device/device_radix_sort.cuh>

#include "kernels/cuda/device_error.h"
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"
#include "kernels/pruning_mask.h"

namespace pare::kernels::cuda {
namespace {

__device__ inline float entry_or_one(const float* entries, std::int64_t index) {
  return index < 0 ? 1.0f : entries[index];
}

__global__ void expand_kernel(const float* entries, bool shared, const std::int64_t* row_index,
                              const std::int64_t* col_index, std::int64_t rows, std::int64_t cols, float* out) {
  for (std::int64_t i = first_index(); i < rows * cols; i += grid_stride()) {
    const std::int64_t r = i / cols, c = i % cols;
    out[i] = shared ? entry_or_one(entries, row_index[r]) * entry_or_one(entries, col_index[c])
                    : entries[row_index[r] + col_index[c]];
  }
}

// The first column in [0, cols) whose index is >= target (col_index is non-decreasing).
__device__ inline std::int64_t lower_bound(const std::int64_t* col_index, std::int64_t cols, std::int64_t target) {
  std::int64_t lo = 0, hi = cols;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (col_index[mid] < target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// One warp per entry e; lane l takes rows l, l + 32, ... in order, then the lanes' sums meet in a
// fixed tree. In row r, e covers the columns whose index is e - row_index[r] (shared: the whole row
// when row_index[r] == e, else the columns whose index is e).
__global__ void reduce_kernel(const float* x, bool shared, const std::int64_t* row_index, const std::int64_t* col_index,
                              std::int64_t rows, std::int64_t cols, std::int64_t entries, float* out) {
  const std::int64_t warp = first_warp(), warps = warp_stride();
  const int lane = threadIdx.x % 32;
  for (std::int64_t e = warp; e < entries; e += warps) {
    double sum = 0.0;
    for (std::int64_t r = lane; r < rows; r += 32) {
      const float* row = x + r * cols;
      std::int64_t begin = 0, end = cols;
      if (!shared || row_index[r] != e) {
        const std::int64_t target = shared ? e : e - row_index[r];
        begin = lower_bound(col_index, cols, target);
        end = lower_bound(col_index, cols, target + 1);
      }
      for (std::int64_t c = begin; c < end; ++c) sum += row[c];
    }
    for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    if (lane == 0) out[e] = static_cast<float>(sum);
  }
}

// Sort keys: the values with -0 made +0 (the radix sort orders -0 before +0, the CPU's comparison
// does not), and their positions. A value that is not finite is reported.
__global__ void sort_keys_kernel(const float* values, std::int64_t n, float* keys, int* positions, void* error) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const float v = values[i];
    if (!isfinite(v)) report_not_finite(error, v, i);
    keys[i] = v + 0.0f;
    positions[i] = static_cast<int>(i);
  }
}

__global__ void scatter_kept_kernel(const int* sorted_positions, std::int64_t n, std::int64_t k, float* out) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[sorted_positions[i]] = i < k ? 1.0f : 0.0f;
}

__global__ void sigmoid_at_least_kernel(const float* values, std::int64_t n, double threshold, float* out,
                                        void* error) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const float v = values[i];
    if (!isfinite(v)) report_not_finite(error, v, i);
    out[i] = 1.0 / (1.0 + exp(-static_cast<double>(v))) >= threshold ? 1.0f : 0.0f;
  }
}

}  // namespace

void mask_expand(const Context& ctx, const float* entries, bool shared, const std::int64_t* row_index,
                 const std::int64_t* col_index, std::int64_t rows, std::int64_t cols, float* out) {
  if (rows * cols == 0) return;
  expand_kernel<<<blocks_for(rows * cols), kThreadsPerBlock, 0, stream_of(ctx)>>>(entries, shared, row_index, col_index,
                                                                                  rows, cols, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void mask_reduce(const Context& ctx, const float* x, bool shared, const std::int64_t* row_index,
                 const std::int64_t* col_index, std::int64_t rows, std::int64_t cols, std::int64_t entries,
                 float* out) {
  if (entries == 0) return;
  reduce_kernel<<<blocks_for_warps(entries), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, shared, row_index, col_index,
                                                                                    rows, cols, entries, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void keep_top_k(const Context& ctx, const float* values, std::int64_t n, std::int64_t k, float* out) {
  if (n == 0) return;
  if (n > INT32_MAX)
    throw std::invalid_argument("keep_top_k: " + std::to_string(n) + " scores exceed the CUDA sort's 2^31 - 1");
  const int count = static_cast<int>(n);
  // The sort's own temporary storage first (the pool's blocks are aligned as it needs), then keys,
  // sorted keys, positions and sorted positions.
  std::size_t sort_bytes = 0;
  PARE_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(
      nullptr, sort_bytes, static_cast<const float*>(nullptr), static_cast<float*>(nullptr),
      static_cast<const int*>(nullptr), static_cast<int*>(nullptr), count, 0, 32, stream_of(ctx)));
  const std::size_t arrays_at = (sort_bytes + 255) / 256 * 256;
  DeviceScratch scratch(ctx, arrays_at + 4 * static_cast<std::size_t>(n) * 4);
  void* sort_storage = scratch.as<char>();
  auto* keys = reinterpret_cast<float*>(scratch.as<char>() + arrays_at);
  float* sorted_keys = keys + n;
  auto* positions = reinterpret_cast<int*>(sorted_keys + n);
  int* sorted_positions = positions + n;
  sort_keys_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(values, n, keys, positions, ctx.error);
  PARE_CUDA_CHECK_LAUNCH(ctx);
  PARE_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(sort_storage, sort_bytes, keys, sorted_keys, positions,
                                                            sorted_positions, count, 0, 32, stream_of(ctx)));
  scatter_kept_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(sorted_positions, n, k, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void sigmoid_at_least(const Context& ctx, const float* values, std::int64_t n, double threshold, float* out) {
  if (n == 0) return;
  sigmoid_at_least_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(values, n, threshold, out, ctx.error);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
