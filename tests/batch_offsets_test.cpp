// kernels/batch_offsets.h: how a batch of products' operand offsets split into the outer x inner
// progressions that one strided cuBLAS call covers.
#include "kernels/batch_offsets.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace pare::kernels {
namespace {

// Offsets of the [B, H] entries of [B, T, H, d] memory seen as [B, H, T, d].
std::vector<std::int64_t> heads_in_rows(std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t d) {
  std::vector<std::int64_t> offsets;
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t h = 0; h < H; ++h) offsets.push_back(b * T * H * d + h * d);
  }
  return offsets;
}

TEST(BatchOffsets, OneProgressionIsOneOuterEntry) {
  const std::vector<std::int64_t> a = {0, 6, 12, 18}, b = {5, 5, 5, 5};
  const auto split = two_level_offsets(a.data(), b.data(), 4);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->outer, 1);
  EXPECT_EQ(split->inner, 4);
  EXPECT_EQ(split->a_inner, 6);
  EXPECT_EQ(split->b_inner, 0);
}

TEST(BatchOffsets, HeadsInsideTokenRowsSplitByBatchAndHead) {
  const std::vector<std::int64_t> q = heads_in_rows(3, 7, 4, 8);
  std::vector<std::int64_t> packed;
  for (std::int64_t i = 0; i < 12; ++i) packed.push_back(i * 7 * 7);
  for (const bool swapped : {false, true}) {
    const auto split =
        swapped ? two_level_offsets(packed.data(), q.data(), 12) : two_level_offsets(q.data(), packed.data(), 12);
    ASSERT_TRUE(split);
    EXPECT_EQ(split->outer, 3);
    EXPECT_EQ(split->inner, 4);
    const std::int64_t q_outer = swapped ? split->b_outer : split->a_outer,
                       q_inner = swapped ? split->b_inner : split->a_inner;
    const std::int64_t p_outer = swapped ? split->a_outer : split->b_outer,
                       p_inner = swapped ? split->a_inner : split->b_inner;
    EXPECT_EQ(q_outer, 7 * 4 * 8);
    EXPECT_EQ(q_inner, 8);
    EXPECT_EQ(p_outer, 4 * 49);
    EXPECT_EQ(p_inner, 49);
  }
}

TEST(BatchOffsets, PatternsWithoutTheSplitRunOneByOne) {
  const std::vector<std::int64_t> even = {0, 1, 2, 3, 4, 5};
  const std::vector<std::int64_t> irregular = {0, 1, 5, 6, 7, 20};
  EXPECT_FALSE(two_level_offsets(irregular.data(), even.data(), 6));
  // Runs of 3 whose outer step differs between runs.
  const std::vector<std::int64_t> uneven_outer = {0, 1, 2, 10, 11, 12};
  const std::vector<std::int64_t> third_run = {0, 1, 2, 10, 11, 12, 30, 31, 32};
  EXPECT_TRUE(two_level_offsets(uneven_outer.data(), even.data(), 6));
  EXPECT_FALSE(two_level_offsets(third_run.data(), std::vector<std::int64_t>(9, 0).data(), 9));
  // Two operands with different inner counts: the shorter run does not fit the longer pattern.
  const std::vector<std::int64_t> runs_of_two = {0, 1, 10, 11, 20, 21}, runs_of_three = {0, 1, 2, 10, 11, 12};
  EXPECT_FALSE(two_level_offsets(runs_of_two.data(), runs_of_three.data(), 6));
  // Decreasing offsets: cuBLAS's strides are not negative here.
  const std::vector<std::int64_t> down = {9, 6, 3, 0};
  EXPECT_FALSE(two_level_offsets(down.data(), down.data(), 4));
}

}  // namespace
}  // namespace pare::kernels
