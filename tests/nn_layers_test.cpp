#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "runtime/nn/dropout.h"
#include "runtime/nn/embedding.h"
#include "runtime/nn/layer_norm.h"
#include "runtime/nn/linear.h"
#include "runtime/ops/elementwise.h"  // mul, add_scalar, scale
#include "runtime/ops/reduce.h"       // sum
#include "tests/gradcheck.h"          // expect_close
#include "tests/naive_linear.h"

namespace pare {
namespace {

using testing::expect_close;

std::vector<std::string> names_of(const Module& m) {
  std::vector<std::string> names;
  for (const auto& [name, t] : m.named_parameters()) names.push_back(name);
  return names;
}

// Sample mean and standard deviation of a tensor's elements.
std::pair<double, double> moments(const Tensor& t) {
  const std::vector<double> v = t.to_vector<double>();
  double mean = 0.0, sq = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / static_cast<double>(v.size()))};
}

TEST(LinearModule, BertInitialisationAndNames) {
  Generator gen(1);
  const Linear layer(300, 200, gen);
  EXPECT_EQ(names_of(layer), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(layer.weight().shape(), (Shape{200, 300}));
  EXPECT_EQ(layer.in_features(), 300);
  EXPECT_EQ(layer.out_features(), 200);
  const auto [mean, std] = moments(layer.weight());
  EXPECT_NEAR(mean, 0.0, 1e-3);
  EXPECT_NEAR(std, 0.02, 0.02 * 0.02);
  EXPECT_EQ(layer.bias().to_vector<float>(), std::vector<float>(200, 0.0f));
  EXPECT_NEAR(moments(Linear(100, 100, gen, false, 0.5f).weight()).second, 0.5, 0.02);
  EXPECT_THROW(Linear(0, 3, gen), Error);
}

TEST(LinearModule, ForwardMatchesNaiveLoopAndTrainsBothParameters) {
  Generator gen(2);
  Linear layer(Tensor::randn({3, 5}, gen), Tensor::randn({3}, gen));
  const Tensor x = Tensor::randn({2, 4, 5}, gen);
  const Tensor y = layer.forward(x);
  expect_close(y, testing::naive_linear(x, layer.weight(), layer.bias()), 1e-5, 1e-5);
  sum(y).backward();
  EXPECT_TRUE(layer.weight().grad().defined());
  EXPECT_TRUE(layer.bias().grad().defined());

  const Linear no_bias(Tensor::randn({3, 5}, gen));
  EXPECT_EQ(names_of(no_bias), std::vector<std::string>{"weight"});
  EXPECT_FALSE(no_bias.bias().defined());
  expect_close(no_bias.forward(x), testing::naive_linear(x, no_bias.weight(), Tensor()), 1e-5, 1e-5);
  EXPECT_THROW(Linear(Tensor::zeros({3, 5}), Tensor::zeros({5})), Error);
  EXPECT_THROW(Linear(Tensor::zeros({15})), Error);
}

TEST(LinearModule, FeaturesFollowAReplacedWeight) {
  Generator gen(3);
  Linear layer(6, 4, gen);
  layer.set_parameter("weight", Tensor::randn({2, 6}, gen));
  layer.set_parameter("bias", Tensor::zeros({2}));
  EXPECT_EQ(layer.out_features(), 2);
  EXPECT_EQ(layer.forward(Tensor::randn({5, 6}, gen)).shape(), (Shape{5, 2}));
}

TEST(EmbeddingModule, LooksUpRows) {
  Generator gen(4);
  const Embedding table(7, 3, gen);
  EXPECT_EQ(names_of(table), std::vector<std::string>{"weight"});
  EXPECT_EQ(table.num_embeddings(), 7);
  EXPECT_EQ(table.dim(), 3);
  const Tensor ids = Tensor::from_vector<std::int64_t>({6, 0, 2, 2}, {2, 2});
  const Tensor out = table.forward(ids);
  ASSERT_EQ(out.shape(), (Shape{2, 2, 3}));
  const std::vector<float> w = table.weight().to_vector<float>(), o = out.to_vector<float>();
  const std::vector<std::int64_t> idv = ids.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < idv.size(); ++i) {
    for (std::size_t d = 0; d < 3; ++d) EXPECT_EQ(o[i * 3 + d], w[static_cast<std::size_t>(idv[i]) * 3 + d]);
  }
  EXPECT_NEAR(moments(Embedding(100, 50, gen).weight()).second, 0.02, 0.002);
}

TEST(LayerNormModule, NormalisesLastAxisWithOnesAndZeros) {
  Generator gen(5);
  LayerNorm norm(6, 1e-5);
  EXPECT_EQ(names_of(norm), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(norm.weight().to_vector<float>(), std::vector<float>(6, 1.0f));
  EXPECT_EQ(norm.bias().to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(norm.eps(), 1e-5);
  const Tensor x = Tensor::randn({3, 6}, gen, 2.0f, 3.0f);
  const std::vector<double> xv = x.to_vector<double>();
  std::vector<float> expected;
  for (int r = 0; r < 3; ++r) {
    double mean = 0.0, var = 0.0;
    for (int i = 0; i < 6; ++i) mean += xv[r * 6 + i] / 6.0;
    for (int i = 0; i < 6; ++i) var += (xv[r * 6 + i] - mean) * (xv[r * 6 + i] - mean) / 6.0;
    for (int i = 0; i < 6; ++i) expected.push_back(static_cast<float>((xv[r * 6 + i] - mean) / std::sqrt(var + 1e-5)));
  }
  expect_close(norm.forward(x), Tensor::from_vector(expected, {3, 6}), 1e-5, 1e-5);
  EXPECT_THROW(LayerNorm(0), Error);
}

TEST(DropoutModule, IdentityInEvalAndSeededInTraining) {
  Generator gen(6);
  const Tensor x = Tensor::randn({64, 33}, gen);
  Generator drop_gen(42);
  Dropout drop(0.25, drop_gen);
  drop.eval();
  EXPECT_EQ(drop.forward(x).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(drop_gen.offset(), 0u);

  drop.train();
  const std::vector<float> y = drop.forward(x).to_vector<float>(), xv = x.to_vector<float>();
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (y[i] == 0.0f) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(y[i], xv[i] / 0.75f);
    }
  }
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(y.size()), 0.25, 0.03);
  EXPECT_GT(drop_gen.offset(), 0u);

  // The same generator state gives the same mask.
  Generator replay(42);
  EXPECT_EQ(Dropout(0.25, replay).forward(x).to_vector<float>(), y);
  EXPECT_THROW(Dropout(1.0, gen), Error);
  EXPECT_THROW(Dropout(-0.1, gen), Error);
}

// Pruning multiplies weights by masks through parameter transforms: the forward must read the
// transformed tensor and the gradient must reach the parameter through the transform.
TEST(ParameterTransform, LayersReadTransformedParametersAndGradientsFlowBack) {
  Generator gen(4);
  Linear layer(Tensor::randn({3, 5}, gen), Tensor::randn({3}, gen));
  const Tensor x = Tensor::randn({2, 5}, gen);
  const Tensor row_mask = Tensor::from_vector<float>({1, 0, 1}, {3, 1});
  layer.set_parameter_transform("weight", [&](const Tensor& w) { return mul(w, row_mask); });
  const Tensor masked_weight = mul(layer.weight().detach(), row_mask);
  const Tensor y = layer.forward(x);
  expect_close(y, testing::naive_linear(x, masked_weight, layer.bias()), 1e-5, 1e-5);
  sum(y).backward();
  const std::vector<float> grad = layer.weight().grad().to_vector<float>();
  for (int c = 0; c < 5; ++c) EXPECT_EQ(grad[5 + c], 0.0f) << "masked row 1 must get no gradient";
  EXPECT_NE(grad[0], 0.0f);

  layer.set_parameter_transform("weight", nullptr);
  expect_close(layer.forward(x), testing::naive_linear(x, layer.weight(), layer.bias()), 1e-6, 1e-6);
  EXPECT_THROW(layer.set_parameter_transform("weights", [](const Tensor& w) { return w; }), Error);

  LayerNorm norm(4);
  norm.set_parameter_transform("bias", [](const Tensor& b) { return add_scalar(b, 2.0); });
  const std::vector<float> shifted = norm.forward(Tensor::randn({3, 4}, gen)).to_vector<float>();
  double mean = 0.0;
  for (float v : shifted) mean += v / static_cast<double>(shifted.size());
  EXPECT_NEAR(mean, 2.0, 1e-5);

  Embedding table(Tensor::randn({4, 2}, gen));
  table.set_parameter_transform("weight", [](const Tensor& w) { return scale(w, 0.0); });
  EXPECT_EQ(table.forward(Tensor::from_vector<std::int64_t>({1, 3}, {2})).to_vector<float>(),
            std::vector<float>(4, 0.0f));
}

TEST(ParameterTransform, DottedPathsReachNestedModulesAndClearRemovesAll) {
  Generator gen(5);
  Module root;
  auto child = root.register_module("block", std::make_shared<Module>());
  auto dense = child->register_module("dense", std::make_shared<Linear>(2, 2, gen));
  root.set_parameter_transform("block.dense.weight", [](const Tensor& w) { return scale(w, 0.0); });
  const Tensor x = Tensor::randn({1, 2}, gen);
  EXPECT_EQ(dense->forward(x).to_vector<float>(), dense->bias().to_vector<float>());
  EXPECT_THROW(root.set_parameter_transform("block.dense2.weight", nullptr), Error);
  EXPECT_THROW(root.set_parameter_transform("block.dense.scale", nullptr), Error);
  root.clear_parameter_transforms();
  expect_close(dense->forward(x), testing::naive_linear(x, dense->weight(), dense->bias()), 1e-6, 1e-6);
}

}  // namespace
}  // namespace pare
