#include "runtime/ops/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random_param;

// Naive reference over the last axis in double; `log` selects log_softmax.
Tensor naive_softmax(const Tensor& x, bool log) {
  const std::int64_t cols = x.shape().back(), rows = x.numel() / cols;
  const std::vector<float> v = x.to_vector<float>();
  std::vector<float> r(v.size());
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* row = v.data() + i * cols;
    double m = -std::numeric_limits<double>::infinity();
    for (std::int64_t j = 0; j < cols; ++j) m = std::max(m, static_cast<double>(row[j]));
    double sum = 0.0;
    for (std::int64_t j = 0; j < cols; ++j) sum += std::exp(row[j] - m);
    for (std::int64_t j = 0; j < cols; ++j) {
      const double e = row[j] - m;
      r[static_cast<std::size_t>(i * cols + j)] = static_cast<float>(log ? e - std::log(sum) : std::exp(e) / sum);
    }
  }
  return Tensor::from_vector(r, x.shape());
}

class SoftmaxTest : public ::testing::TestWithParam<Shape> {};

TEST_P(SoftmaxTest, ForwardMatchesNaiveLoop) {
  Generator gen(31);
  const Tensor x = Tensor::randn(GetParam(), gen, 0.0f, 3.0f);
  expect_close(softmax(x), naive_softmax(x, false), 1e-7, 1e-5, "softmax");
  expect_close(log_softmax(x), naive_softmax(x, true), 1e-6, 1e-5, "log_softmax");
}

TEST_P(SoftmaxTest, GradientsMatchFiniteDifferences) {
  Generator gen(32);
  Tensor x = random_param(GetParam(), gen);
  expect_gradients_match([](const std::vector<Tensor>& in) { return softmax(in[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return log_softmax(in[0]); }, {x});
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxTest,
                         ::testing::Values(Shape{1}, Shape{7}, Shape{3, 1}, Shape{2, 3, 5}, Shape{4, 1, 9}));

TEST(Softmax, LargeInputsAreStable) {
  Generator gen(33);
  // exp(1000) overflows without the max subtraction; many rows take the multi-threaded path.
  Tensor x = Tensor::randn({200, 130}, gen, 1000.0f, 5.0f);
  expect_close(softmax(x), naive_softmax(x, false), 1e-7, 1e-5, "softmax");
  expect_close(log_softmax(x), naive_softmax(x, true), 1e-5, 1e-5, "log_softmax");
  const std::vector<float> rows = softmax(x).to_vector<float>();
  double total = 0.0;
  for (std::size_t j = 0; j < 130; ++j) total += rows[j];
  EXPECT_NEAR(total, 1.0, 1e-5);
}

TEST(Softmax, MaskedEntriesGetZeroProbability) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = Tensor::from_vector<float>({1.0f, -inf, 2.0f, -inf}, {1, 4});
  const std::vector<float> p = softmax(x).to_vector<float>();
  EXPECT_EQ(p[1], 0.0f);
  EXPECT_EQ(p[3], 0.0f);
  EXPECT_NEAR(p[0] + p[2], 1.0, 1e-6);
  const std::vector<float> lp = log_softmax(x).to_vector<float>();
  EXPECT_EQ(lp[1], -inf);
  EXPECT_NEAR(lp[2], -std::log1p(std::exp(-1.0)), 1e-6);
}

TEST(Softmax, FullyMaskedRowIsNaN) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = Tensor::from_vector<float>({-inf, -inf, 0.0f, 0.0f}, {2, 2});
  const std::vector<float> p = softmax(x).to_vector<float>();
  EXPECT_TRUE(std::isnan(p[0]) && std::isnan(p[1]));
  EXPECT_FLOAT_EQ(p[2], 0.5f);
}

TEST(Softmax, BackwardMatchesClosedForm) {
  Generator gen(34);
  Tensor x = random_param({3, 6}, gen);
  const Tensor g = Tensor::randn({3, 6}, gen);
  softmax(x).backward(g);
  const std::vector<float> y = naive_softmax(x.detach(), false).to_vector<float>(), vg = g.to_vector<float>();
  std::vector<float> expected(y.size());
  for (std::size_t r = 0; r < 3; ++r) {
    double dot = 0.0;
    for (std::size_t j = 0; j < 6; ++j) dot += static_cast<double>(vg[r * 6 + j]) * y[r * 6 + j];
    for (std::size_t j = 0; j < 6; ++j) expected[r * 6 + j] = static_cast<float>(y[r * 6 + j] * (vg[r * 6 + j] - dot));
  }
  expect_close(x.grad(), Tensor::from_vector(expected, {3, 6}), 1e-6, 1e-5);
}

TEST(Softmax, NonContiguousInputIsReadInOrder) {
  Generator gen(35);
  const Tensor x = Tensor::randn({5, 4}, gen).transpose(0, 1);
  expect_close(softmax(x), naive_softmax(x.contiguous(), false), 1e-7, 1e-5);
}

TEST(Softmax, BadInputIsAnError) {
  EXPECT_THROW(softmax(Tensor::zeros({3}, DType::i32)), Error);
  try {
    log_softmax(Tensor::zeros({}));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("log_softmax"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pare
