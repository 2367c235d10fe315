// Dropout's keep decisions against independent references: Philox4x32-10 against the Random123
// known-answer vectors, and keep_mask_slice (whose aligned blocks run several counters side by
// side) element by element against one philox4x32 call per element.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/dropout.h"  // keep_mask_slice
#include "kernels/philox.h"   // philox4x32, uniform_from_bits

namespace pare {
namespace {

using kernels::philox4x32;

TEST(KeepMask, PhiloxMatchesRandom123KnownAnswers) {
  const kernels::Philox4 zero = philox4x32(0, 0, 0);
  EXPECT_EQ(zero.v[0], 0x6627e8d5u);
  EXPECT_EQ(zero.v[1], 0xe169c58du);
  EXPECT_EQ(zero.v[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.v[3], 0x9b00dbd8u);
  const kernels::Philox4 ones = philox4x32(~0ull, ~0ull, ~0ull);
  EXPECT_EQ(ones.v[0], 0x408f276du);
  EXPECT_EQ(ones.v[3], 0x6d5451fdu);
  // Counter words (0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), key (0xa4093822, 0x299f31d0).
  const kernels::Philox4 pi = philox4x32(0x299f31d0a4093822ull, 0x85a308d3243f6a88ull, 0x0370734413198a2eull);
  EXPECT_EQ(pi.v[0], 0xd16cfe09u);
  EXPECT_EQ(pi.v[1], 0x94fdccebu);
  EXPECT_EQ(pi.v[2], 0x5001e420u);
  EXPECT_EQ(pi.v[3], 0x24126ea1u);
}

// Element e of the stream: lane e % 4 of counter c + e / 4, kept when its uniform exceeds p.
std::uint8_t reference_keep(std::uint64_t seed, std::uint64_t counter, std::int64_t e, float p) {
  const kernels::Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(e / 4), 0);
  return kernels::uniform_from_bits(r.v[e % 4]) > p ? 1 : 0;
}

TEST(KeepMask, SliceMatchesOneCounterPerElementReference) {
  struct Case {
    std::uint64_t seed, counter;
    std::int64_t first, n;
    float p;
  };
  // Unaligned starts and ends around whole blocks, counters whose high word changes inside the
  // slice, seeds with both key words set, and p at 0 and near 1.
  const std::vector<Case> cases = {
      {0, 0, 0, 1000, 0.5f},
      {7, 3, 1, 999, 0.1f},
      {7, 3, 2, 33, 0.1f},
      {7, 3, 3, 31, 0.9f},
      {7, 3, 4, 32, 0.3f},
      {7, 3, 5, 64, 0.3f},
      {0x123456789abcdefull, 0xfffffff0ull, 0, 257, 0.5f},
      {~0ull, ~0ull - 20, 6, 200, 0.25f},
      {42, 1000, 16383, 70, 0.0f},
      {42, 1000, 0, 4096, 0.999f},
  };
  for (const Case& c : cases) {
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(c.n), 2);
    kernels::cpu::keep_mask_slice(mask.data(), c.n, c.seed, c.counter, c.first, c.p);
    for (std::int64_t i = 0; i < c.n; ++i) {
      ASSERT_EQ(mask[static_cast<std::size_t>(i)], reference_keep(c.seed, c.counter, c.first + i, c.p))
          << "seed " << c.seed << " counter " << c.counter << " first " << c.first << " element " << i;
    }
  }
}

TEST(KeepMask, WholeMaskMatchesReferenceAcrossChunks) {
  const std::int64_t n = 50001;  // several of keep_mask's chunks and a ragged end
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(n));
  kernels::cpu::keep_mask({}, mask.data(), n, 99, 5, 0.2f);
  std::int64_t kept = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(mask[static_cast<std::size_t>(i)], reference_keep(99, 5, i, 0.2f)) << "element " << i;
    kept += mask[static_cast<std::size_t>(i)];
  }
  EXPECT_NEAR(static_cast<double>(kept) / n, 0.8, 0.01);
}

}  // namespace
}  // namespace pare
