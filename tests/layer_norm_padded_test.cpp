// layer_norm with normalized_size N > D: the statistics of each row followed by N - D zeros, as
// the LayerNorms of a model whose removed hidden dimensions were zero. Checked against a naive
// double loop over the zero-padded row, by finite differences, and against the ordinary op.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/nn/layer_norm.h"
#include "runtime/ops/layer_norm.h"
#include "tests/gradcheck.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random_param;

struct Reference {
  std::vector<float> y, dx, dw, db;
};

// Each row of x [rows, D] padded with zeros to N (weight and bias padded with zeros too), normalised
// in double; the upstream gradient is g on the real entries and 0 on the padding, whose outputs do
// not exist. Returns the real entries' outputs and gradients.
Reference naive_padded_layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& g, std::int64_t n,
                                  double eps) {
  const std::int64_t d = x.shape().back(), rows = x.numel() / d;
  const std::vector<float> vx = x.to_vector<float>(), vw = w.to_vector<float>(), vb = b.to_vector<float>(),
                           vg = g.to_vector<float>();
  Reference ref{std::vector<float>(vx.size()), std::vector<float>(vx.size()),
                std::vector<float>(static_cast<std::size_t>(d)), std::vector<float>(static_cast<std::size_t>(d))};
  std::vector<double> dw(static_cast<std::size_t>(d)), db(static_cast<std::size_t>(d));
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<double> row(static_cast<std::size_t>(n), 0.0), grad(static_cast<std::size_t>(n), 0.0),
        weight(static_cast<std::size_t>(n), 0.0), bias(static_cast<std::size_t>(n), 0.0);
    for (std::int64_t j = 0; j < d; ++j) {
      const auto at = static_cast<std::size_t>(r * d + j), c = static_cast<std::size_t>(j);
      row[c] = vx[at];
      grad[c] = vg[at];
      weight[c] = vw[c];
      bias[c] = vb[c];
    }
    double mean = 0.0, var = 0.0;
    for (double v : row) mean += v / static_cast<double>(n);
    for (double v : row) var += (v - mean) * (v - mean) / static_cast<double>(n);
    const double rstd = 1.0 / std::sqrt(var + eps);
    double mean_g = 0.0, mean_gx = 0.0;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const double xhat = (row[c] - mean) * rstd;
      mean_g += grad[c] * weight[c] / static_cast<double>(n);
      mean_gx += grad[c] * weight[c] * xhat / static_cast<double>(n);
    }
    for (std::int64_t j = 0; j < d; ++j) {
      const auto at = static_cast<std::size_t>(r * d + j), c = static_cast<std::size_t>(j);
      const double xhat = (row[c] - mean) * rstd;
      ref.y[at] = static_cast<float>(xhat * weight[c] + bias[c]);
      ref.dx[at] = static_cast<float>(rstd * (grad[c] * weight[c] - mean_g - xhat * mean_gx));
      dw[c] += grad[c] * xhat;
      db[c] += grad[c];
    }
  }
  for (std::size_t c = 0; c < dw.size(); ++c) {
    ref.dw[c] = static_cast<float>(dw[c]);
    ref.db[c] = static_cast<float>(db[c]);
  }
  return ref;
}

struct PaddedCase {
  Shape shape;
  std::int64_t normalized_size;
};

class PaddedLayerNormShapes : public ::testing::TestWithParam<PaddedCase> {};

void expect_matches_naive_padded_loop(const Shape& shape, std::int64_t n) {
  Generator gen(51);
  const std::int64_t d = shape.back();
  // A mean large next to the spread, as after a residual add: the virtual zeros then dominate the
  // variance, which a one-pass sum of squares would lose.
  Tensor x = Tensor::randn(shape, gen, 20.0f, 3.0f);
  x.requires_grad_();
  Tensor w = random_param({d}, gen), b = random_param({d}, gen);
  const Tensor g = Tensor::randn(shape, gen);
  const double eps = 1e-5;
  const Tensor y = layer_norm(x, w, b, eps, n);
  y.backward(g);
  const Reference ref = naive_padded_layer_norm(x, w, b, g, n, eps);
  expect_close(y, Tensor::from_vector(ref.y, shape), 1e-4, 1e-4, "y");
  expect_close(x.grad(), Tensor::from_vector(ref.dx, shape), 1e-4, 1e-3, "dx");
  expect_close(w.grad(), Tensor::from_vector(ref.dw, {d}), 1e-4, 1e-3, "dweight");
  expect_close(b.grad(), Tensor::from_vector(ref.db, {d}), 1e-4, 1e-4, "dbias");
}

TEST_P(PaddedLayerNormShapes, ForwardAndBackwardMatchNaiveLoopOverZeroPaddedRows) {
  expect_matches_naive_padded_loop(GetParam().shape, GetParam().normalized_size);
}

TEST(PaddedLayerNorm, ManyRowsMatchNaiveLoopOverZeroPaddedRows) {
  // Several row blocks in the parameter gradients, and the multi-threaded path.
  expect_matches_naive_padded_loop({300, 130}, 200);
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
