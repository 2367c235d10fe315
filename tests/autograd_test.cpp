#include "runtime/autograd.h"

#include <gtest/gtest.h>

#include "runtime/ops/elementwise.h"
#include "runtime/ops/reduce.h"
#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_gradients_match;
using testing::random_param;

TEST(Autograd, GradientsAccumulateAcrossUsesAndBackwardCalls) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3}, {3});
  x.requires_grad_();
  // y = x * x + x: dy/dx = 2x + 1, reaching x along three paths.
  sum(add(mul(x, x), x)).backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{3, 5, 7}));
  sum(x).backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{4, 6, 8}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SharedUpstreamGradientIsNotAliasedBetweenLeaves) {
  Tensor a = Tensor::zeros({2}), b = Tensor::zeros({2});
  a.requires_grad_();
  b.requires_grad_();
  add(a, b).backward(Tensor::ones({2}));
  EXPECT_NE(a.grad().raw_data(), b.grad().raw_data());
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = Tensor::ones({2});
  x.requires_grad_();
  Tensor y;
  {
    NoGradGuard guard;
    y = mul(x, x);
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_TRUE(GradMode::enabled());
}

TEST(Autograd, BackwardOnUnmarkedTensorIsAnError) {
  const Tensor x = Tensor::ones({2});
  try {
    sum(x).backward();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("requires_grad_"), std::string::npos);
  }
  Tensor p = Tensor::ones({2});
  p.requires_grad_();
  EXPECT_THROW(mul(p, p).backward(), Error);  // not a scalar and no gradient given
  EXPECT_THROW(mul(p, p).requires_grad_(), Error);
}

TEST(Autograd, DeepChainsDoNotOverflowTheStack) {
  Tensor x = Tensor::ones({1});
  x.requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = add_scalar(y, 0.0);
  y.backward();
  EXPECT_EQ(x.grad().item(), 1.0);
}

TEST(Autograd, ViewsPropagateGradients) {
  Generator gen(1);
  Tensor x = random_param({2, 3, 4}, gen);
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].reshape({4, -1}); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].permute({2, 0, 1}).contiguous(); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].transpose(0, 2); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].slice(1, 1, 3); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].slice(2, 0, 1).expand({2, 3, 5}); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0].clone(); }, {x});
}

TEST(Reduce, SumAndMeanMatchNaiveLoops) {
  Generator gen(2);
  const Tensor x = Tensor::randn({3, 4, 5}, gen);
  const std::vector<float> v = x.to_vector<float>();
  std::vector<double> over1(15, 0.0);
  double all = 0.0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 5; ++k) {
        over1[static_cast<std::size_t>(i * 5 + k)] += v[static_cast<std::size_t>((i * 4 + j) * 5 + k)];
        all += v[static_cast<std::size_t>((i * 4 + j) * 5 + k)];
      }
  const std::vector<float> got = sum(x, {1}).to_vector<float>();
  ASSERT_EQ(sum(x, {1}).shape(), (Shape{3, 5}));
  for (std::size_t i = 0; i < 15; ++i) EXPECT_NEAR(got[i], over1[i], 1e-5);
  EXPECT_NEAR(sum(x).item(), all, 1e-4);
  EXPECT_NEAR(mean(x).item(), all / 60.0, 1e-6);
  EXPECT_EQ(mean(x, {0, -1}, true).shape(), (Shape{1, 4, 1}));
  EXPECT_THROW(sum(x, {3}), Error);
  EXPECT_THROW(sum(x, {1, 1}), Error);
}

TEST(Reduce, GradientsMatchFiniteDifferences) {
  Generator gen(4);
  Tensor x = random_param({3, 1, 4, 5}, gen);
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0], {2}); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0], {0, 3}, true); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum_to(in[0], {1, 4, 1}); }, {x});
}

TEST(Reduce, ArgmaxTakesTheFirstLargestOfEachRow) {
  const Tensor x = Tensor::from_vector<float>({1, 5, 5, 2, -1, -3, -1, -2, 0, 0, 0, 0}, {3, 4});
  const Tensor idx = argmax(x);
  EXPECT_EQ(idx.dtype(), DType::i64);
  EXPECT_EQ(idx.shape(), (Shape{3}));
  EXPECT_EQ(idx.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(argmax(x.reshape({3, 2, 2})).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0, 0, 0, 0}));
  EXPECT_THROW(argmax(Tensor::zeros({2, 0})), Error);
}

}  // namespace
}  // namespace pare

namespace pare {
namespace {

TEST(Gradcheck, DetectsAWrongBackward) {
  // doubles x but claims the gradient is 3: the checker must report every element.
  auto wrong_double = [](const std::vector<Tensor>& in) {
    Tensor out;
    {
      NoGradGuard no_grad;
      out = scale(in[0], 2.0);
    }
    return record(out, "wrong_double", {in[0]},
                  [](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{scale(g, 3.0)}; });
  };
  Generator gen(3);
  const GradcheckResult result = check_gradients(wrong_double, {testing::random_param({2, 3}, gen)});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.mismatches.size(), 6u);
  EXPECT_EQ(result.checked_elements, 6);
}

}  // namespace
}  // namespace pare
