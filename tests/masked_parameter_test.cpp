// MaskLayout's expansion of mask entries over a parameter, and the masked_parameter op: masked
// forward, masked weight gradient (finite differences) and the straight-through score gradient.
#include "prune/masked_parameter.h"

#include <gtest/gtest.h>

#include <memory>

#include "runtime/error.h"
#include "runtime/ops/elementwise.h"  // mul
#include "runtime/ops/reduce.h"       // sum
#include "tests/gradcheck.h"

namespace pare {
namespace {

ResolvedParameter layout_of(Shape shape, Shape mask_shape, std::vector<int> mask_axis, std::vector<std::int64_t> span) {
  ResolvedParameter p;
  p.name = "encoder.layer.0.attention.self.query.weight";
  p.shape = std::move(shape);
  p.mask_shape = std::move(mask_shape);
  p.mask_axis = std::move(mask_axis);
  p.span = std::move(span);
  return p;
}

std::vector<float> expanded(const ResolvedParameter& p, std::vector<float> mask) {
  return MaskLayout(p).expand(Tensor::from_vector(mask, p.mask_shape)).to_vector<float>();
}

TEST(MaskLayout, ExpandsHeadsBlocksColumnsAndSharedAxes) {
  // Two heads of two rows in a [4, 3] projection.
  EXPECT_EQ(expanded(layout_of({4, 3}, {2}, {0, -1}, {2, 1}), {1, 0}),
            (std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}));
  // Heads on the columns of the output projection [2, 4].
  EXPECT_EQ(expanded(layout_of({2, 4}, {2}, {-1, 0}, {1, 2}), {0, 1}), (std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1}));
  // [2, 2] blocks of a [2, 4] weight.
  EXPECT_EQ(expanded(layout_of({2, 4}, {1, 2}, {0, 1}, {2, 2}), {1, 0}), (std::vector<float>{1, 1, 0, 0, 1, 1, 0, 0}));
  // A 1-D parameter, one entry per element.
  EXPECT_EQ(expanded(layout_of({3}, {3}, {0}, {1}), {0, 1, 1}), (std::vector<float>{0, 1, 1}));
  // Hidden granularity on a hidden x hidden weight: element (i, j) needs entries i and j.
  EXPECT_EQ(expanded(layout_of({3, 3}, {3}, {0, 0}, {1, 1}), {1, 0, 1}),
            (std::vector<float>{1, 0, 1, 0, 0, 0, 1, 0, 1}));
}

TEST(MaskLayout, RefusesLayoutsThatDoNotFitNamingTheParameter) {
  try {
    MaskLayout(layout_of({4, 3}, {3}, {0, -1}, {2, 1}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder.layer.0.attention.self.query.weight: axis 0 of shape [4, 3]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(MaskLayout(layout_of({2, 2, 2}, {2}, {0, 0, -1}, {1, 1, 1})), Error);
  EXPECT_THROW(MaskLayout(layout_of({4, 3}, {2}, {0, -1}, {2, 1})).expand(Tensor::ones({3})), Error);
}

TEST(MaskedParameter, MasksTheForwardAndTheWeightGradient) {
  const ResolvedParameter p = layout_of({4, 3}, {2}, {0, -1}, {2, 1});
  const auto layout = std::make_shared<const MaskLayout>(p);
  const Tensor mask = layout->expand(Tensor::from_vector<float>({0, 1}, {2}));
  Generator gen(11);
  const Tensor w = testing::random_param({4, 3}, gen);
  const std::vector<float> out = masked_parameter(w, mask, layout).to_vector<float>();
  const std::vector<float> weights = w.to_vector<float>();
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(out[i], i < 6 ? 0.0f : weights[i]);
  testing::expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return masked_parameter(in[0], mask.to(in[0].device()), layout); }, {w});
}

TEST(MaskedParameter, ScoresReceiveTheStraightThroughGradientEvenWhereMasked) {
  const ResolvedParameter p = layout_of({4, 3}, {2}, {0, -1}, {2, 1});
  const auto layout = std::make_shared<const MaskLayout>(p);
  const Tensor mask = layout->expand(Tensor::from_vector<float>({0, 1}, {2}));
  Generator gen(12);
  const Tensor w = testing::random_param({4, 3}, gen);
  Tensor scores = Tensor::zeros({2});
  scores.requires_grad_(true);
  const Tensor c = Tensor::randn({4, 3}, gen);
  sum(mul(masked_parameter(w, mask, layout, scores), c)).backward();
  // dL/dW' = c, so head h's score gets sum over its rows of c * W, the pruned head included.
  const std::vector<float> cw = mul(c, w.detach()).to_vector<float>();
  float head0 = 0, head1 = 0;
  for (std::size_t i = 0; i < 6; ++i) head0 += cw[i];
  for (std::size_t i = 6; i < 12; ++i) head1 += cw[i];
  const std::vector<float> g = scores.grad().to_vector<float>();
  EXPECT_NEAR(g[0], head0, 1e-5);
  EXPECT_NEAR(g[1], head1, 1e-5);
  EXPECT_NE(g[0], 0.0f);
  // The weight's own gradient stays masked.
  const std::vector<float> gw = w.grad().to_vector<float>();
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(gw[i], 0.0f);
}

}  // namespace
}  // namespace pare
