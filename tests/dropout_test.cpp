#include "kernels/dropout.h"  // keep_mask, keep_mask_slice

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "runtime/ops/dropout.h"
#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_gradients_match;
using testing::random_param;

// Large enough that the mask and the apply loop both run multi-threaded.
constexpr std::int64_t kLarge = 200003;

std::vector<float> dropout_with_threads(const Tensor& x, double p, std::uint64_t seed, int threads) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  Generator gen(seed);
  std::vector<float> out = dropout(x, p, true, gen).to_vector<float>();
  omp_set_num_threads(saved);
  return out;
}

TEST(Dropout, SeededAndIdenticalForOneAndTwoThreads) {
  const Tensor x = Tensor::ones({kLarge});
  const std::vector<float> one = dropout_with_threads(x, 0.3, 42, 1);
  EXPECT_EQ(one, dropout_with_threads(x, 0.3, 42, 2));
  EXPECT_EQ(one, dropout_with_threads(x, 0.3, 42, 1));
  EXPECT_NE(one, dropout_with_threads(x, 0.3, 43, 2));
}

TEST(Dropout, DropsAboutPAndScalesTheRest) {
  Generator data_gen(1);
  const Tensor x = Tensor::randn({kLarge}, data_gen);
  const std::vector<float> vx = x.to_vector<float>();
  for (double p : {0.1, 0.5, 0.9}) {
    Generator gen(7);
    const std::vector<float> out = dropout(x, p, true, gen).to_vector<float>();
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    std::int64_t dropped = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] == 0.0f) {
        ++dropped;
      } else {
        ASSERT_EQ(out[i], vx[i] * scale) << "element " << i << " at p = " << p;
      }
    }
    // Five standard deviations of a binomial fraction.
    const double fraction = static_cast<double>(dropped) / kLarge;
    EXPECT_NEAR(fraction, p, 5.0 * std::sqrt(p * (1.0 - p) / kLarge)) << "p = " << p;
  }
}

TEST(Dropout, ConsecutiveCallsDrawFreshMasks) {
  const Tensor x = Tensor::ones({1000});
  Generator gen(5);
  const std::vector<float> first = dropout(x, 0.5, true, gen).to_vector<float>();
  EXPECT_EQ(gen.offset(), 250u);
  EXPECT_NE(first, dropout(x, 0.5, true, gen).to_vector<float>());
}

TEST(Dropout, EvalModeZeroAndFullProbability) {
  Generator gen(3);
  const Tensor x = Tensor::randn({4, 5}, gen);
  EXPECT_EQ(dropout(x, 0.5, false, gen).impl(), x.impl());
  EXPECT_EQ(dropout(x, 0.0, true, gen).impl(), x.impl());
  EXPECT_EQ(dropout(x, 1.0, true, gen).to_vector<float>(), std::vector<float>(20, 0.0f));
  EXPECT_THROW(dropout(x, 1.5, true, gen), Error);
  EXPECT_THROW(dropout(x, -0.1, true, gen), Error);
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  Generator gen(11);
  Tensor x = random_param({6, 7}, gen);
  Generator drop_gen(2);
  const Tensor out = dropout(x, 0.4, true, drop_gen);
  Tensor ones = Tensor::ones({6, 7});
  out.backward(ones);
  const std::vector<float> vo = out.to_vector<float>(), vx = x.to_vector<float>(), vg = x.grad().to_vector<float>();
  for (std::size_t i = 0; i < vo.size(); ++i) {
    EXPECT_FLOAT_EQ(vg[i], vo[i] == 0.0f ? 0.0f : 1.0f / 0.6f) << "element " << i;
  }
  // A fresh generator with the same seed inside fn reproduces the mask for every evaluation.
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        Generator g(9);
        return dropout(in[0], 0.3, true, g);
      },
      {x});
}

TEST(Dropout, MaskOfASliceMatchesTheWholeStream) {
  const std::int64_t n = 40000;  // more than one chunk of keep_mask
  std::vector<std::uint8_t> whole(static_cast<std::size_t>(n)), part(101);
  kernels::cpu::keep_mask({}, whole.data(), n, 77, 1000, 0.5f);
  for (std::int64_t first : {0, 1, 3, 16383, 16385, 39899}) {
    kernels::cpu::keep_mask_slice(part.data(), 101, 77, 1000, first, 0.5f);
    for (std::int64_t i = 0; i < 101; ++i) {
      ASSERT_EQ(part[static_cast<std::size_t>(i)], whole[static_cast<std::size_t>(first + i)])
          << "slice at " << first << ", element " << i;
    }
  }
}

}  // namespace
}  // namespace pare
