#include "runtime/ops/elementwise.h"

#include <gtest/gtest.h>

#include "runtime/ops/reduce.h"
#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_gradients_match;
using testing::random_param;

// Naive reference: index the broadcast operands by hand.
std::vector<float> naive_binary(const Tensor& a, const Tensor& b, const Shape& out, char op) {
  const std::vector<float> va = a.to_vector<float>(), vb = b.to_vector<float>();
  std::vector<float> r(static_cast<std::size_t>(shape_numel(out)));
  for (std::int64_t i = 0; i < shape_numel(out); ++i) {
    std::int64_t rem = i, ia = 0, ib = 0, sa = 1, sb = 1;
    for (std::size_t d = out.size(); d-- > 0;) {
      const std::int64_t idx = rem % out[d];
      rem /= out[d];
      const std::size_t lead_a = out.size() - a.shape().size(), lead_b = out.size() - b.shape().size();
      if (d >= lead_a) {
        const std::int64_t n = a.shape()[d - lead_a];
        ia += (n == 1 ? 0 : idx) * sa;
        sa *= n;
      }
      if (d >= lead_b) {
        const std::int64_t n = b.shape()[d - lead_b];
        ib += (n == 1 ? 0 : idx) * sb;
        sb *= n;
      }
    }
    const float x = va[static_cast<std::size_t>(ia)], y = vb[static_cast<std::size_t>(ib)];
    r[static_cast<std::size_t>(i)] = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y;
  }
  return r;
}

struct BroadcastCase {
  Shape a, b;
};

class BinaryOpTest : public ::testing::TestWithParam<BroadcastCase> {};

TEST_P(BinaryOpTest, ForwardMatchesNaiveLoop) {
  Generator gen(7);
  const auto& c = GetParam();
  const Tensor a = Tensor::randn(c.a, gen);
  const Tensor b = add_scalar(Tensor::rand(c.b, gen, 0.5f, 2.0f), 0.0);  // away from 0 for div
  const Shape out = broadcast_shapes(c.a, c.b, "test");
  EXPECT_EQ(add(a, b).to_vector<float>(), naive_binary(a, b, out, '+'));
  EXPECT_EQ(sub(a, b).to_vector<float>(), naive_binary(a, b, out, '-'));
  EXPECT_EQ(mul(a, b).to_vector<float>(), naive_binary(a, b, out, '*'));
  EXPECT_EQ(div(a, b).to_vector<float>(), naive_binary(a, b, out, '/'));
}

TEST_P(BinaryOpTest, GradientsMatchFiniteDifferences) {
  Generator gen(11);
  const auto& c = GetParam();
  Tensor a = random_param(c.a, gen);
  Tensor b = Tensor::rand(c.b, gen, 0.5f, 2.0f);
  b.requires_grad_();
  for (auto fn : {add, sub, mul, div}) {
    expect_gradients_match([fn](const std::vector<Tensor>& in) { return fn(in[0], in[1]); }, {a, b});
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, BinaryOpTest,
                         ::testing::Values(BroadcastCase{{3, 5}, {3, 5}}, BroadcastCase{{4, 7}, {7}},
                                           BroadcastCase{{2, 1, 5}, {3, 1}}, BroadcastCase{{1}, {2, 3}},
                                           BroadcastCase{{2, 3, 1, 4}, {1, 3, 5, 1}}));

TEST(Elementwise, ShapeMismatchNamesBothShapes) {
  const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
  try {
    add(a, b);
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3] and [4]"), std::string::npos) << e.what();
  }
}

TEST(Elementwise, DtypeMismatchIsAnError) {
  const Tensor a = Tensor::zeros({2}), ids = Tensor::zeros({2}, DType::i64);
  EXPECT_THROW(add(a, ids), Error);
}

TEST(Elementwise, ScaleAndAddScalarGradients) {
  Generator gen(3);
  Tensor x = random_param({3, 4}, gen);
  expect_gradients_match([](const std::vector<Tensor>& in) { return scale(in[0], -2.5); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return add_scalar(in[0], 4.0); }, {x});
}

TEST(Elementwise, WeightMaskMultiplyPassesMaskedGradient) {
  Generator gen(5);
  Tensor w = random_param({4, 6}, gen);
  const Tensor mask =
      Tensor::from_vector<float>({1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0}, {4, 6});
  sum(mul(w, mask)).backward();
  EXPECT_EQ(w.grad().to_vector<float>(), mask.to_vector<float>());
}

TEST(Elementwise, StridedViewsAreReadInPlace) {
  Generator gen(9);
  const Tensor a = Tensor::randn({3, 4}, gen);
  const Tensor at = a.transpose(0, 1);
  ASSERT_FALSE(at.is_contiguous());
  const Tensor sum_view = add(at, at);
  const Tensor sum_copy = add(at.contiguous(), at.contiguous());
  EXPECT_EQ(sum_view.to_vector<float>(), sum_copy.to_vector<float>());
}

}  // namespace
}  // namespace pare
