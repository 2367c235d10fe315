// How copy_rows (kernels/cuda/indexing.cu) moves rows between buffers of different pitches: one plain
// copy when the rows are contiguous on both sides, cudaMemcpy2DAsync when both pitches fit what it
// takes, else one copy per row. cudaMemcpy2DAsync refuses a pitch of 2 GiB or more
// (cudaErrorInvalidPitchValue; cudaDevAttrMaxPitch is 2^31 - 1 on current GPUs), which one row of
// [32768, 30522] f32 logits being concatenated already reaches. Host code, tested on the CPU.
#pragma once

#include <cstdint>

namespace pare::kernels::cuda {

enum class RowCopy { contiguous, pitched, row_by_row };

constexpr std::int64_t kMaxCopyPitch = (std::int64_t{1} << 31) - 1;

constexpr RowCopy row_copy_kind(std::int64_t rows, std::int64_t row_bytes, std::int64_t dst_row_bytes) {
  if (rows == 1 || row_bytes == dst_row_bytes) return RowCopy::contiguous;
  if (row_bytes <= kMaxCopyPitch && dst_row_bytes <= kMaxCopyPitch) return RowCopy::pitched;
  return RowCopy::row_by_row;
}

}  // namespace pare::kernels::cuda
