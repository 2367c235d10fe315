// layer_norm with normalized_size N > D: the statistics of each row followed by N - D zeros, as
// the LayerNorms of a model whose removed hidden dimensions were zero. Checked against a naive
// double loop over the zero-padded row, by finite differences, and against the ordinary op.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/nn/layer_norm.h"
#include "runtime/ops/layer_norm.h"
#include "tests/gradcheck.h"
#include "tests/naive_layer_norm.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using testing::expect_gradients_match;
using testing::naive_layer_norm;
using testing::random_param;

struct PaddedCase {
  Shape shape;
  std::int64_t normalized_size;
};

class PaddedLayerNormShapes : public ::testing::TestWithParam<PaddedCase> {};

TEST_P(PaddedLayerNormShapes, ForwardAndBackwardMatchNaiveLoopOverZeroPaddedRows) {
  // Mean 20: the virtual zeros then dominate the variance, which a one-pass sum of squares would lose.
  testing::expect_layer_norm_matches_naive(GetParam().shape, 51, 20.0f, GetParam().normalized_size);
}

TEST(PaddedLayerNorm, ManyRowsMatchNaiveLoopOverZeroPaddedRows) {
  // Several row blocks in the parameter gradients, and the multi-threaded path.
  testing::expect_layer_norm_matches_naive({300, 130}, 51, 20.0f, 200);
}

TEST_P(PaddedLayerNormShapes, GradientsMatchFiniteDifferences) {
  const auto& [shape, n] = GetParam();
  Generator gen(52);
  const std::int64_t d = shape.back();
  Tensor x = random_param(shape, gen), w = random_param({d}, gen), b = random_param({d}, gen);
  expect_gradients_match([n = n](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2], 1e-5, n); },
                         {x, w, b});
}

INSTANTIATE_TEST_SUITE_P(Shapes, PaddedLayerNormShapes,
                         ::testing::Values(PaddedCase{{7}, 9}, PaddedCase{{3, 1}, 4}, PaddedCase{{2, 3, 5}, 12},
                                           PaddedCase{{4, 2, 6}, 7}));

TEST(PaddedLayerNorm, NormalizedSizeOfTheLastAxisIsTheOrdinaryLayerNorm) {
  Generator gen(53);
  Tensor x = random_param({40, 24}, gen), w = random_param({24}, gen), b = random_param({24}, gen);
  const Tensor g = Tensor::randn({40, 24}, gen);
  layer_norm(x, w, b).backward(g);
  const std::vector<float> dx = x.grad().to_vector<float>(), dw = w.grad().to_vector<float>();
  for (Tensor* t : {&x, &w, &b}) t->zero_grad();
  const Tensor y = layer_norm(x, w, b, 1e-12, 24);
  y.backward(g);
  EXPECT_EQ(y.to_vector<float>(), layer_norm(x, w, b).to_vector<float>());
  EXPECT_EQ(x.grad().to_vector<float>(), dx);
  EXPECT_EQ(w.grad().to_vector<float>(), dw);
}

TEST(PaddedLayerNorm, HandComputedRow) {
  // Row [3, 3] padded to [3, 3, 0, 0]: mean 1.5, variance 2.25, so the outputs are 1.5 / 1.5 = 1.
  const Tensor y = layer_norm(Tensor::full({1, 2}, 3.0), Tensor::ones({2}), Tensor::zeros({2}), 0.0, 4);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1.0f, 1.0f}));
}

TEST(PaddedLayerNorm, SizeBelowTheLastAxisIsRefused) {
  const std::string msg = testing::error_of([] {
    layer_norm(Tensor::zeros({2, 5}), Tensor::ones({5}), Tensor::zeros({5}), 1e-5, 4);
  });
  EXPECT_NE(msg.find("normalized_size 4 must be at least the last axis of x [2, 5]"), std::string::npos) << msg;
}

TEST(PaddedLayerNormModule, CarriesItsSizeIntoTheOp) {
  Generator gen(54);
  LayerNorm norm(4, 1e-5, 10);
  EXPECT_EQ(norm.normalized_size(), 10);
  EXPECT_EQ(LayerNorm(4).normalized_size(), 4);
  norm.weight().detach().copy_(Tensor::randn({4}, gen));
  norm.bias().detach().copy_(Tensor::randn({4}, gen));
  const Tensor x = Tensor::randn({3, 4}, gen);
  EXPECT_EQ(norm.forward(x).to_vector<float>(), layer_norm(x, norm.weight(), norm.bias(), 1e-5, 10).to_vector<float>());
  EXPECT_NE(norm.forward(x).to_vector<float>(), layer_norm(x, norm.weight(), norm.bias(), 1e-5).to_vector<float>());
  const std::string msg = testing::error_of([] { LayerNorm(6, 1e-5, 5); });
  EXPECT_NE(msg.find("LayerNorm: normalized_size 5 must be at least dim 6"), std::string::npos) << msg;
}

}  // namespace
}  // namespace pare
