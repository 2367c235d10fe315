#include "runtime/ops/layer_norm.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "runtime/autograd.h"
#include "runtime/ops.h"
#include "tests/gradcheck.h"
#include "tests/naive_layer_norm.h"

namespace pare {
namespace {

using testing::expect_gradients_match;
using testing::naive_layer_norm;
using testing::random_param;

class LayerNormTest : public ::testing::TestWithParam<Shape> {};

TEST_P(LayerNormTest, ForwardAndBackwardMatchNaiveLoop) {
  testing::expect_layer_norm_matches_naive(GetParam(), 41, 50.0f);
}

TEST_P(LayerNormTest, GradientsMatchFiniteDifferences) {
  const Shape& shape = GetParam();
  Generator gen(42);
  const std::int64_t cols = shape.back();
  Tensor x = random_param(shape, gen), w = random_param({cols}, gen), b = random_param({cols}, gen);
  expect_gradients_match([](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2], 1e-5); },
                         {x, w, b});
}

// The residual form equals a separate add followed by the LayerNorm bit for bit, its gradients too
// (both inputs get the sum's), and it passes the finite-difference check.
TEST_P(LayerNormTest, OfSumEqualsAddThenLayerNorm) {
  const Shape& shape = GetParam();
  Generator gen(43);
  const std::int64_t cols = shape.back();
  Tensor x = random_param(shape, gen), r = random_param(shape, gen), w = random_param({cols}, gen);
  Tensor b = random_param({cols}, gen);
  const Tensor g = Tensor::randn(shape, gen);
  const Tensor fused = layer_norm_of_sum(x, r, w, b, 1e-5);
  sum(mul(fused, g)).backward();
  const std::vector<Tensor> fused_grads{x.grad(), r.grad(), w.grad(), b.grad()};
  for (Tensor* t : {&x, &r, &w, &b}) t->zero_grad();
  const Tensor separate = layer_norm(add(x, r), w, b, 1e-5);
  sum(mul(separate, g)).backward();
  EXPECT_EQ(fused.to_vector<float>(), separate.to_vector<float>());
  const std::vector<Tensor> separate_grads{x.grad(), r.grad(), w.grad(), b.grad()};
  for (std::size_t i = 0; i < separate_grads.size(); ++i) {
    EXPECT_EQ(fused_grads[i].to_vector<float>(), separate_grads[i].to_vector<float>()) << "gradient " << i;
  }
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return layer_norm_of_sum(in[0], in[1], in[2], in[3], 1e-5); }, {x, r, w, b});
}

TEST(LayerNorm, OfSumRefusesAResidualOfAnotherShape) {
  Generator gen(44);
  const Tensor x = Tensor::randn({2, 4}, gen), r = Tensor::randn({1, 4}, gen), w = Tensor::ones({4});
  EXPECT_THROW(layer_norm_of_sum(x, r, w, Tensor::zeros({4})), Error);
}

INSTANTIATE_TEST_SUITE_P(Shapes, LayerNormTest,
                         ::testing::Values(Shape{7}, Shape{3, 1}, Shape{2, 3, 5}, Shape{4, 1, 9}));

TEST(LayerNorm, ManyRowsMatchNaiveLoop) {
  // Several row blocks in the parameter gradients, and the multi-threaded path.
  testing::expect_layer_norm_matches_naive({300, 130}, 41, 50.0f);
}

TEST(LayerNorm, ParameterGradientsDoNotDependOnThreadCount) {
  Generator gen(43);
  Tensor x = random_param({517, 96}, gen), w = random_param({96}, gen), b = random_param({96}, gen);
  const Tensor g = Tensor::randn({517, 96}, gen);
  std::vector<std::vector<float>> grads;
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    for (Tensor* t : {&x, &w, &b}) t->zero_grad();
    layer_norm(x, w, b).backward(g);
    grads.push_back(w.grad().to_vector<float>());
    grads.push_back(b.grad().to_vector<float>());
  }
  omp_set_num_threads(saved);
  for (std::size_t i = 2; i < grads.size(); ++i) EXPECT_EQ(grads[i], grads[i % 2]) << "run " << i / 2;
}

TEST(LayerNorm, ConstantRowGivesBias) {
  const Tensor x = Tensor::full({2, 4}, 3.0), w = Tensor::ones({4}), b = Tensor::from_vector<float>({1, 2, 3, 4}, {4});
  EXPECT_EQ(layer_norm(x, w, b).to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4}));
}

TEST(LayerNorm, NonContiguousInputIsReadInOrder) {
  Generator gen(44);
  const Tensor x = Tensor::randn({6, 5}, gen).transpose(0, 1), w = Tensor::randn({6}, gen), b = Tensor::randn({6}, gen);
  EXPECT_EQ(layer_norm(x, w, b).to_vector<float>(), layer_norm(x.contiguous(), w, b).to_vector<float>());
}

TEST(LayerNorm, MismatchedParametersNameShapes) {
  try {
    layer_norm(Tensor::zeros({2, 8}), Tensor::ones({7}), Tensor::zeros({8}));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[7]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 8]"), std::string::npos) << msg;
  }
  EXPECT_THROW(layer_norm(Tensor::zeros({2, 0}), Tensor::ones({0}), Tensor::zeros({0})), Error);
  EXPECT_THROW(layer_norm(Tensor::zeros({2, 3}), Tensor::ones({3}), Tensor::zeros({3}), -1.0), Error);
}

}  // namespace
}  // namespace pare
