#include "runtime/ops/matmul.h"

#include <gtest/gtest.h>

#include "runtime/autograd.h"
#include "tests/gradcheck.h"
#include "tests/naive_linear.h"

namespace pare {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random_param;

// Naive reference: a [..., M, K] @ b [..., K, N] with broadcast batch axes, accumulated in double.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const std::int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const std::size_t nb = std::max(as.size(), bs.size()) - 2;
  Shape batch(nb);
  Shape a_batch(nb, 1), b_batch(nb, 1);
  for (std::size_t i = 0; i < as.size() - 2; ++i) a_batch[nb - (as.size() - 2) + i] = as[i];
  for (std::size_t i = 0; i < bs.size() - 2; ++i) b_batch[nb - (bs.size() - 2) + i] = bs[i];
  for (std::size_t i = 0; i < nb; ++i) batch[i] = std::max(a_batch[i], b_batch[i]);
  const std::vector<float> va = a.to_vector<float>(), vb = b.to_vector<float>();
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  std::vector<float> out(static_cast<std::size_t>(shape_numel(out_shape)));
  for (std::int64_t bi = 0; bi < shape_numel(batch); ++bi) {
    std::int64_t rem = bi, ia = 0, ib = 0, sa = 1, sb = 1;
    for (std::size_t d = nb; d-- > 0;) {
      const std::int64_t idx = rem % batch[d];
      rem /= batch[d];
      ia += (a_batch[d] == 1 ? 0 : idx) * sa;
      ib += (b_batch[d] == 1 ? 0 : idx) * sb;
      sa *= a_batch[d];
      sb *= b_batch[d];
    }
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (std::int64_t p = 0; p < k; ++p) {
          acc += static_cast<double>(va[static_cast<std::size_t>((ia * m + i) * k + p)]) *
                 vb[static_cast<std::size_t>((ib * k + p) * n + j)];
        }
        out[static_cast<std::size_t>((bi * m + i) * n + j)] = static_cast<float>(acc);
      }
    }
  }
  return Tensor::from_vector(out, out_shape);
}

struct MatmulCase {
  Shape a, b;
};

void PrintTo(const MatmulCase& c, std::ostream* out) { *out << shape_str(c.a) << " @ " << shape_str(c.b); }

class MatmulTest : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(MatmulTest, ForwardMatchesNaiveLoop) {
  Generator gen(3);
  const Tensor a = Tensor::randn(GetParam().a, gen), b = Tensor::randn(GetParam().b, gen);
  expect_close(matmul(a, b), naive_matmul(a, b), 1e-5, 1e-5);
}

TEST_P(MatmulTest, TransposedViewsAreReadInPlace) {
  Generator gen(4);
  // Store each operand with its last two axes swapped, then view it back: same values, other layout.
  Shape at = GetParam().a, bt = GetParam().b;
  std::swap(at[at.size() - 1], at[at.size() - 2]);
  std::swap(bt[bt.size() - 1], bt[bt.size() - 2]);
  const Tensor a = Tensor::randn(at, gen).transpose(-1, -2), b = Tensor::randn(bt, gen).transpose(-1, -2);
  const Tensor expected = naive_matmul(a.contiguous(), b.contiguous());
  expect_close(matmul(a, b), expected, 1e-5, 1e-5, "both transposed");
  expect_close(matmul(a.contiguous(), b), expected, 1e-5, 1e-5, "b transposed");
  expect_close(matmul(a, b.contiguous()), expected, 1e-5, 1e-5, "a transposed");
}

TEST_P(MatmulTest, GradientsMatchFiniteDifferences) {
  Generator gen(5);
  Tensor a = random_param(GetParam().a, gen), b = random_param(GetParam().b, gen);
  expect_gradients_match([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b});
}

INSTANTIATE_TEST_SUITE_P(Shapes, MatmulTest,
                         ::testing::Values(MatmulCase{{3, 5}, {5, 4}}, MatmulCase{{1, 7}, {7, 1}},
                                           MatmulCase{{5, 1}, {1, 3}}, MatmulCase{{2, 3, 4}, {4, 5}},
                                           MatmulCase{{2, 3, 3, 2}, {2, 3, 2, 5}},
                                           MatmulCase{{2, 1, 3, 4}, {1, 3, 4, 2}}, MatmulCase{{3, 4}, {2, 4, 3}},
                                           MatmulCase{{1, 2, 5}, {3, 5, 2}}));

TEST(Matmul, AttentionShapedBatchRunsInParallelAndMatches) {
  Generator gen(6);
  // More products than threads, each small: the batch-parallel path.
  const Tensor q = Tensor::randn({2, 12, 17, 8}, gen), k = Tensor::randn({2, 12, 19, 8}, gen);
  const Tensor kt = k.transpose(-1, -2);
  expect_close(matmul(q, kt), naive_matmul(q, kt.contiguous()), 1e-5, 1e-5);
}

TEST(Matmul, FewLargeProductsMatch) {
  Generator gen(7);
  // Large products in a batch that does not split evenly over two threads: run one after another.
  const Tensor a = Tensor::randn({3, 150, 260}, gen), b = Tensor::randn({3, 260, 230}, gen);
  expect_close(matmul(a, b), naive_matmul(a, b), 1e-4, 1e-4);
}

TEST(Matmul, SlicedColumnsUseTheRowStride) {
  Generator gen(8);
  const Tensor full = Tensor::randn({4, 10}, gen), b = Tensor::randn({3, 5}, gen);
  const Tensor a = full.slice(1, 2, 5);  // [4, 3] with row stride 10
  ASSERT_FALSE(a.is_contiguous());
  expect_close(matmul(a, b), naive_matmul(a.contiguous(), b), 1e-5, 1e-5);
}

TEST(Matmul, ExpandedOperandIsPacked) {
  Generator gen(9);
  const Tensor row = Tensor::randn({1, 4}, gen), b = Tensor::randn({4, 3}, gen);
  const Tensor a = row.expand({5, 4});  // zero row stride
  expect_close(matmul(a, b), naive_matmul(a.contiguous(), b), 1e-5, 1e-5);
}

TEST(Matmul, EmptyInnerDimensionGivesZeros) {
  const Tensor out = matmul(Tensor::empty({3, 0}), Tensor::empty({0, 2}));
  EXPECT_EQ(out.shape(), (Shape{3, 2}));
  EXPECT_EQ(out.to_vector<float>(), std::vector<float>(6, 0.0f));
}

TEST(Matmul, TransposedViewGradients) {
  Generator gen(10);
  Tensor a = random_param({4, 3}, gen), b = random_param({2, 5, 4}, gen);
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return matmul(in[0].transpose(0, 1), in[1].transpose(-1, -2)); }, {a, b});
}

TEST(Matmul, InnerDimensionMismatchNamesShapes) {
  try {
    matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5}));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4, 5]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("matmul"), std::string::npos) << msg;
  }
}

TEST(Matmul, BadOperandsAreErrors) {
  EXPECT_THROW(matmul(Tensor::zeros({2, 3, 4}), Tensor::zeros({3, 4, 5})), Error);  // batch 2 vs 3
  EXPECT_THROW(matmul(Tensor::zeros({4}), Tensor::zeros({4, 2})), Error);
  EXPECT_THROW(matmul(Tensor::zeros({2, 2}, DType::i64), Tensor::zeros({2, 2})), Error);
}

class LinearTest : public ::testing::TestWithParam<Shape> {};

TEST_P(LinearTest, ForwardMatchesNaiveLoop) {
  Generator gen(11);
  const Shape& xs = GetParam();
  const Tensor x = Tensor::randn(xs, gen), w = Tensor::randn({6, xs.back()}, gen), b = Tensor::randn({6}, gen);
  expect_close(linear(x, w, b), testing::naive_linear(x, w, b), 1e-5, 1e-5, "with bias");
  expect_close(linear(x, w), testing::naive_linear(x, w, Tensor()), 1e-5, 1e-5, "without bias");
}

TEST_P(LinearTest, GradientsMatchFiniteDifferences) {
  Generator gen(12);
  const Shape& xs = GetParam();
  Tensor x = random_param(xs, gen), w = random_param({3, xs.back()}, gen), b = random_param({3}, gen);
  expect_gradients_match([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, w, b});
  expect_gradients_match([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); }, {x, w});
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearTest,
                         ::testing::Values(Shape{5}, Shape{1, 1}, Shape{4, 7}, Shape{2, 3, 5}, Shape{1, 3, 1, 4}));

TEST(Linear, TransposedWeightViewMatches) {
  Generator gen(13);
  const Tensor x = Tensor::randn({2, 3, 4}, gen), stored = Tensor::randn({4, 5}, gen), b = Tensor::randn({5}, gen);
  const Tensor w = stored.transpose(0, 1);  // [5, 4] viewing a row-major [4, 5]
  expect_close(linear(x, w, b), testing::naive_linear(x, w.contiguous(), b), 1e-5, 1e-5);
  const Tensor xt = Tensor::randn({4, 3}, gen).transpose(0, 1);  // non-contiguous input rows
  expect_close(linear(xt, w, b), testing::naive_linear(xt.contiguous(), w.contiguous(), b), 1e-5, 1e-5);
}

TEST(Linear, BiasGradientIsRowSum) {
  Generator gen(14);
  const Tensor x = Tensor::randn({2, 3, 4}, gen), w = Tensor::randn({5, 4}, gen);
  Tensor b = random_param({5}, gen);
  const Tensor g = Tensor::randn({2, 3, 5}, gen);
  linear(x, w, b).backward(g);
  const std::vector<float> vg = g.to_vector<float>();
  std::vector<float> expected(5, 0.0f);
  for (std::size_t i = 0; i < vg.size(); ++i) expected[i % 5] += vg[i];
  expect_close(b.grad(), Tensor::from_vector(expected, {5}), 1e-5, 1e-5);
}

TEST(Linear, MismatchedShapesNameThem) {
  try {
    linear(Tensor::zeros({2, 5}), Tensor::zeros({3, 4}));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[2, 5]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[3, 4]"), std::string::npos) << msg;
  }
  EXPECT_THROW(linear(Tensor::zeros({2, 4}), Tensor::zeros({3, 4}), Tensor::zeros({4})), Error);
  EXPECT_THROW(linear(Tensor::zeros({2, 4}), Tensor::zeros({12})), Error);
}

}  // namespace
}  // namespace pare
