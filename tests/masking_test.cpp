#include "runtime/ops/masking.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_gradients_match;
using testing::random_param;

// Naive reference: x's multi-index, with broadcast axes of the mask read at 0.
std::vector<float> naive_masked_fill(const Tensor& x, const Tensor& mask, float value) {
  const std::vector<float> vx = x.to_vector<float>();
  const std::vector<std::uint8_t> vm = mask.to_vector<std::uint8_t>();
  const Shape& xs = x.shape();
  const Shape& ms = mask.shape();
  std::vector<float> r(vx.size());
  for (std::size_t i = 0; i < vx.size(); ++i) {
    std::int64_t rem = static_cast<std::int64_t>(i), mi = 0, stride = 1;
    for (std::size_t d = xs.size(); d-- > 0;) {
      const std::int64_t idx = rem % xs[d];
      rem /= xs[d];
      const std::size_t lead = xs.size() - ms.size();
      if (d >= lead) {
        mi += (ms[d - lead] == 1 ? 0 : idx) * stride;
        stride *= ms[d - lead];
      }
    }
    r[i] = vm[static_cast<std::size_t>(mi)] ? value : vx[i];
  }
  return r;
}

Tensor random_mask(const Shape& shape, Generator& gen) {
  const std::vector<float> u = Tensor::rand(shape, gen).to_vector<float>();
  std::vector<std::uint8_t> m(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) m[i] = u[i] < 0.4f ? 1 : 0;
  return Tensor::from_vector(m, shape);
}

struct MaskCase {
  Shape x, mask;
};

class MaskedFillTest : public ::testing::TestWithParam<MaskCase> {};

TEST_P(MaskedFillTest, ForwardMatchesNaiveLoop) {
  Generator gen(1);
  const Tensor x = Tensor::randn(GetParam().x, gen);
  const Tensor mask = random_mask(GetParam().mask, gen);
  EXPECT_EQ(masked_fill(x, mask, -7.5).to_vector<float>(), naive_masked_fill(x, mask, -7.5f));
}

TEST_P(MaskedFillTest, GradientsMatchFiniteDifferences) {
  Generator gen(2);
  const Tensor mask = random_mask(GetParam().mask, gen);
  expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return masked_fill(in[0], mask.to(in[0].device()), 3.0); },
      {random_param(GetParam().x, gen)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, MaskedFillTest,
                         ::testing::Values(MaskCase{{3, 4}, {3, 4}}, MaskCase{{2, 3, 5, 5}, {2, 1, 1, 5}},
                                           MaskCase{{2, 3, 4, 5}, {2, 1, 4, 5}}, MaskCase{{2, 4, 3}, {4, 3}},
                                           MaskCase{{5, 1}, {1}}));

TEST(MaskedFill, MaskedElementsGetNoGradient) {
  Tensor x = Tensor::ones({2, 3});
  x.requires_grad_();
  const Tensor mask = Tensor::from_vector<std::uint8_t>({1, 0, 1}, {3});
  masked_fill(x, mask, 0.0).backward(Tensor::full({2, 3}, 2.0));
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{0, 2, 0, 0, 2, 0}));
}

TEST(MaskedFill, BadMasksAreErrors) {
  const Tensor x = Tensor::zeros({2, 3});
  EXPECT_THROW(masked_fill(x, Tensor::zeros({2, 3}), 0.0), Error);  // f32, not u8
  try {
    masked_fill(x, Tensor::zeros({2, 2}, DType::u8), 0.0);
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 2]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(masked_fill(Tensor::zeros({3}), Tensor::zeros({2, 3}, DType::u8), 0.0), Error);
}

TEST(AdditiveAttentionMask, PaddingBecomesMostNegativeFiniteFloat) {
  constexpr float kLow = std::numeric_limits<float>::lowest();
  const std::vector<float> expected = {0, 0, kLow, 0, kLow, kLow};
  const std::vector<Tensor> masks = {Tensor::from_vector<std::uint8_t>({1, 1, 0, 1, 0, 0}, {2, 3}),
                                     Tensor::from_vector<std::int32_t>({1, 1, 0, 1, 0, 0}, {2, 3}),
                                     Tensor::from_vector<std::int64_t>({1, 1, 0, 1, 0, 0}, {2, 3}),
                                     Tensor::from_vector<float>({1, 1, 0, 1, 0, 0}, {2, 3})};
  for (const Tensor& m : masks) {
    const Tensor out = additive_attention_mask(m);
    EXPECT_EQ(out.shape(), (Shape{2, 1, 1, 3})) << dtype_name(m.dtype());
    EXPECT_EQ(out.to_vector<float>(), expected) << dtype_name(m.dtype());
  }
  EXPECT_THROW(additive_attention_mask(Tensor::ones({2, 3, 4}, DType::i64)), Error);
  EXPECT_THROW(additive_attention_mask(Tensor::ones({2, 3}, DType::bf16)), Error);
}

}  // namespace
}  // namespace pare
