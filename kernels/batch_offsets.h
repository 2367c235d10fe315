// Per-entry operand offsets of a batch of matrix products, split into outer x inner progressions so
// that a backend can run the batch as one strided call (cuBLAS's two-level batches) instead of one
// product at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace pare::kernels {

// How two operands' per-entry offsets split into outer x inner entries: entry i of operand x sits at
// x_offsets[0] + (i / inner) * x_outer + (i % inner) * x_inner. Offsets in one arithmetic progression
// (a step of 0 repeats a broadcast operand) are the case outer == 1; attention's heads seen inside
// token rows ([B, T, H, d] as [B, H, T, d]) are outer B, inner H.
struct TwoLevelOffsets {
  std::int64_t outer = 0, inner = 0;
  std::int64_t a_outer = 0, a_inner = 0, b_outer = 0, b_inner = 0;
};

namespace detail {

// Length of the arithmetic progression that offsets start with.
inline std::int64_t leading_progression(const std::int64_t* offsets, std::int64_t count) {
  if (count < 2) return count;
  const std::int64_t step = offsets[1] - offsets[0];
  std::int64_t length = 2;
  while (length < count && offsets[length] - offsets[length - 1] == step) ++length;
  return length;
}

// The steps of offsets split into count / inner runs of inner, or false when they do not split so.
inline bool split_steps(const std::int64_t* offsets, std::int64_t count, std::int64_t inner, std::int64_t& outer_step,
                        std::int64_t& inner_step) {
  inner_step = inner > 1 ? offsets[1] - offsets[0] : 0;
  outer_step = count > inner ? offsets[inner] - offsets[0] : 0;
  if (inner_step < 0 || outer_step < 0) return false;
  for (std::int64_t i = 0; i < count; ++i) {
    if (offsets[i] != offsets[0] + (i / inner) * outer_step + (i % inner) * inner_step) return false;
  }
  return true;
}

}  // namespace detail

// The split both operands' offsets follow with non-negative steps, or nullopt (then entries run one by one).
inline std::optional<TwoLevelOffsets> two_level_offsets(const std::int64_t* a_offsets, const std::int64_t* b_offsets,
                                                        std::int64_t count) {
  if (count < 1) return std::nullopt;
  TwoLevelOffsets split;
  split.inner = std::min(detail::leading_progression(a_offsets, count), detail::leading_progression(b_offsets, count));
  if (count % split.inner != 0) return std::nullopt;
  split.outer = count / split.inner;
  if (!detail::split_steps(a_offsets, count, split.inner, split.a_outer, split.a_inner) ||
      !detail::split_steps(b_offsets, count, split.inner, split.b_outer, split.b_inner)) {
    return std::nullopt;
  }
  return split;
}

}  // namespace pare::kernels
