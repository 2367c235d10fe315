#include "runtime/optim/clip_grad.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "runtime/random.h"

namespace pare {
namespace {

Tensor param_with_grad(const Shape& shape, Generator& gen, float grad_std) {
  Tensor p = Tensor::randn(shape, gen);
  p.requires_grad_();
  p.set_grad(Tensor::randn(shape, gen, 0.0f, grad_std));
  return p;
}

double naive_norm(const std::vector<Tensor>& params) {
  double sq = 0.0;
  for (const Tensor& p : params) {
    if (!p.grad().defined()) continue;
    for (double g : p.grad().to_vector<double>()) sq += g * g;
  }
  return std::sqrt(sq);
}

TEST(ClipGradNorm, ScalesToMaxNormAndReturnsNormBefore) {
  Generator gen(1);
  // 70001 elements: several reduction blocks, run by several threads.
  const std::vector<Tensor> params{param_with_grad({3, 5}, gen, 1.0f), param_with_grad({70001}, gen, 0.5f),
                                   param_with_grad({1}, gen, 2.0f)};
  std::vector<std::vector<double>> before;
  for (const Tensor& p : params) before.push_back(p.grad().to_vector<double>());
  const double expected = naive_norm(params);
  ASSERT_GT(expected, 1.0);

  const double norm = clip_grad_norm(params, 1.0);
  EXPECT_NEAR(norm, expected, 1e-9 * expected);
  EXPECT_NEAR(naive_norm(params), 1.0, 1e-5);
  const double coef = 1.0 / (expected + 1e-6);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::vector<double> after = params[i].grad().to_vector<double>();
    for (std::size_t j = 0; j < after.size(); j += 97) EXPECT_NEAR(after[j], before[i][j] * coef, 1e-6);
  }
}

TEST(ClipGradNorm, LeavesSmallGradientsUntouchedAndSkipsMissingOnes) {
  Generator gen(2);
  Tensor no_grad = Tensor::randn({4}, gen);
  no_grad.requires_grad_();
  const std::vector<Tensor> params{param_with_grad({7, 3}, gen, 0.01f), no_grad};
  const std::vector<float> before = params[0].grad().to_vector<float>();
  const double norm = clip_grad_norm(params, 10.0);
  EXPECT_NEAR(norm, naive_norm(params), 1e-9);
  EXPECT_EQ(params[0].grad().to_vector<float>(), before);
  EXPECT_FALSE(no_grad.grad().defined());
}

TEST(ClipGradNorm, NonFiniteNormIsReturnedWithoutScaling) {
  Generator gen(3);
  for (const float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    Tensor p = param_with_grad({5}, gen, 1.0f);
    std::vector<float> g = p.grad().to_vector<float>();
    g[2] = bad;
    p.set_grad(Tensor::from_vector(g, {5}));
    const double norm = clip_grad_norm({p}, 1.0);
    EXPECT_FALSE(std::isfinite(norm));
    EXPECT_EQ(std::isnan(norm), std::isnan(bad));
    const std::vector<float> after = p.grad().to_vector<float>();
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (i != 2) {
        EXPECT_EQ(after[i], g[i]);
      }
    }
  }
}

TEST(ClipGradNorm, StridedGradientIsClippedToo) {
  Generator gen(4);
  Tensor p = Tensor::randn({3, 4}, gen);
  p.requires_grad_();
  const Tensor g = Tensor::randn({4, 3}, gen, 0.0f, 10.0f);
  const std::vector<float> g_values = g.to_vector<float>();
  p.set_grad(g.transpose(0, 1));
  const double expected = naive_norm({p});
  const double norm = clip_grad_norm({p}, 2.0);
  EXPECT_NEAR(norm, expected, 1e-9 * expected);
  EXPECT_NEAR(naive_norm({p}), 2.0, 1e-5);
  // The clipped gradient is a packed copy; the tensor the view came from is not written.
  EXPECT_TRUE(p.grad().is_contiguous());
  EXPECT_EQ(g.to_vector<float>(), g_values);
}

TEST(ClipGradNorm, RejectsNonPositiveMaxNorm) {
  Generator gen(5);
  EXPECT_THROW(clip_grad_norm({param_with_grad({2}, gen, 1.0f)}, 0.0), Error);
}

}  // namespace
}  // namespace pare
