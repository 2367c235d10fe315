#include "runtime/ops/indexing.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <string>

#include "runtime/ops/reduce.h"  // sum
#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_gradients_match;
using testing::random_param;

// Element `i` of a packed tensor of `shape`, as a multi-index.
Shape unravel(std::int64_t i, const Shape& shape) {
  Shape pos(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    pos[d] = i % shape[d];
    i /= shape[d];
  }
  return pos;
}

std::int64_t ravel(const Shape& pos, const Shape& shape) {
  std::int64_t i = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) i = i * shape[d] + pos[d];
  return i;
}

// Naive reference: walk the output and find which input and which element it came from.
std::vector<float> naive_concat(const std::vector<Tensor>& ts, std::size_t axis, const Shape& out_shape) {
  std::vector<float> r(static_cast<std::size_t>(shape_numel(out_shape)));
  for (std::size_t i = 0; i < r.size(); ++i) {
    Shape pos = unravel(static_cast<std::int64_t>(i), out_shape);
    std::size_t which = 0;
    while (pos[axis] >= ts[which].shape()[axis]) pos[axis] -= ts[which++].shape()[axis];
    r[i] = ts[which].to_vector<float>()[static_cast<std::size_t>(ravel(pos, ts[which].shape()))];
  }
  return r;
}

struct ConcatCase {
  std::vector<Shape> shapes;
  std::int64_t axis;
  Shape expected;
};

class ConcatTest : public ::testing::TestWithParam<ConcatCase> {};

TEST_P(ConcatTest, ForwardMatchesNaiveLoop) {
  Generator gen(3);
  std::vector<Tensor> ts;
  for (const Shape& s : GetParam().shapes) ts.push_back(Tensor::randn(s, gen));
  const Tensor out = concat(ts, GetParam().axis);
  ASSERT_EQ(out.shape(), GetParam().expected);
  const std::size_t axis = static_cast<std::size_t>(normalize_axis(GetParam().axis, out.dim(), "test"));
  EXPECT_EQ(out.to_vector<float>(), naive_concat(ts, axis, out.shape()));
}

TEST_P(ConcatTest, GradientsMatchFiniteDifferences) {
  Generator gen(4);
  std::vector<Tensor> ts;
  for (const Shape& s : GetParam().shapes) ts.push_back(random_param(s, gen));
  const std::int64_t axis = GetParam().axis;
  expect_gradients_match([axis](const std::vector<Tensor>& in) { return concat(in, axis); }, ts);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConcatTest,
                         ::testing::Values(ConcatCase{{{2, 3}, {4, 3}}, 0, {6, 3}},
                                           ConcatCase{{{2, 3}, {2, 1}, {2, 5}}, 1, {2, 9}},
                                           ConcatCase{{{3, 1, 2}, {3, 2, 2}}, -2, {3, 3, 2}},
                                           ConcatCase{{{1, 2, 3}, {1, 2, 1}}, 2, {1, 2, 4}},
                                           ConcatCase{{{5}}, 0, {5}}));

TEST(Concat, WorksOnIdsAndNonContiguousViews) {
  const Tensor a = Tensor::from_vector<std::int64_t>({1, 2, 3, 4}, {2, 2});
  const Tensor b = Tensor::from_vector<std::int64_t>({5, 6}, {2, 1});
  EXPECT_EQ(concat({a, b}, 1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 5, 3, 4, 6}));
  const Tensor at = a.transpose(0, 1);  // [[1, 3], [2, 4]]
  EXPECT_EQ(concat({at, b}, 1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 3, 5, 2, 4, 6}));
}

TEST(Concat, MismatchedShapesAndDtypesAreErrors) {
  try {
    concat({Tensor::zeros({2, 3}), Tensor::zeros({3, 3})}, 1);
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(concat({Tensor::zeros({2}), Tensor::zeros({2, 1})}, 0), Error);
  EXPECT_THROW(concat({Tensor::zeros({2}), Tensor::zeros({2}, DType::i64)}, 0), Error);
  EXPECT_THROW(concat({}, 0), Error);
  EXPECT_THROW(concat({Tensor::zeros({2})}, 1), Error);
}

// Naive reference for index_select with indices of any shape.
std::vector<float> naive_index_select(const Tensor& x, std::size_t axis, const std::vector<std::int64_t>& idx,
                                      const Shape& index_shape) {
  Shape out_shape(x.shape().begin(), x.shape().begin() + static_cast<std::int64_t>(axis));
  out_shape.insert(out_shape.end(), index_shape.begin(), index_shape.end());
  out_shape.insert(out_shape.end(), x.shape().begin() + static_cast<std::int64_t>(axis) + 1, x.shape().end());
  const std::vector<float> vx = x.to_vector<float>();
  std::vector<float> r(static_cast<std::size_t>(shape_numel(out_shape)));
  for (std::size_t i = 0; i < r.size(); ++i) {
    const Shape pos = unravel(static_cast<std::int64_t>(i), out_shape);
    Shape src(pos.begin(), pos.begin() + static_cast<std::int64_t>(axis));
    Shape ipos(pos.begin() + static_cast<std::int64_t>(axis),
               pos.begin() + static_cast<std::int64_t>(axis + index_shape.size()));
    src.push_back(idx[static_cast<std::size_t>(ravel(ipos, index_shape))]);
    src.insert(src.end(), pos.begin() + static_cast<std::int64_t>(axis + index_shape.size()), pos.end());
    r[i] = vx[static_cast<std::size_t>(ravel(src, x.shape()))];
  }
  return r;
}

struct SelectCase {
  Shape x;
  std::int64_t axis;
  std::vector<std::int64_t> idx;
  Shape index_shape;
};

class IndexSelectTest : public ::testing::TestWithParam<SelectCase> {};

TEST_P(IndexSelectTest, ForwardMatchesNaiveLoop) {
  Generator gen(5);
  const auto& c = GetParam();
  const Tensor x = Tensor::randn(c.x, gen);
  const std::size_t axis = static_cast<std::size_t>(normalize_axis(c.axis, x.dim(), "test"));
  const std::vector<float> expected = naive_index_select(x, axis, c.idx, c.index_shape);
  EXPECT_EQ(index_select(x, c.axis, Tensor::from_vector(c.idx, c.index_shape)).to_vector<float>(), expected);
  std::vector<std::int32_t> idx32(c.idx.begin(), c.idx.end());
  EXPECT_EQ(index_select(x, c.axis, Tensor::from_vector(idx32, c.index_shape)).to_vector<float>(), expected);
}

TEST_P(IndexSelectTest, GradientsMatchFiniteDifferences) {
  Generator gen(6);
  const auto& c = GetParam();
  const Tensor idx = Tensor::from_vector(c.idx, c.index_shape);
  expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return index_select(in[0], c.axis, idx.to(in[0].device())); },
      {random_param(c.x, gen)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, IndexSelectTest,
                         ::testing::Values(SelectCase{{5, 3}, 0, {4, 0, 4, 2}, {4}},
                                           SelectCase{{2, 5, 3}, 1, {1, 1, 3, 0, 4, 1}, {2, 3}},
                                           SelectCase{{3, 4}, -1, {3, 3, 3}, {3}}, SelectCase{{1, 7, 1}, 1, {6}, {1}},
                                           SelectCase{{4}, 0, {2}, {}}));

TEST(IndexSelect, RepeatedIndicesAddGradientsInOrder) {
  Tensor x = Tensor::zeros({3, 2});
  x.requires_grad_();
  const std::vector<std::int64_t> idx = {2, 0, 2, 2};
  const std::vector<float> g = {1.5f, -1, 0.25f, 2, 1e8f, 3, -1e8f, 4};
  index_select(x, 0, Tensor::from_vector(idx, {4})).backward(Tensor::from_vector(g, {4, 2}));
  std::vector<float> expected(6, 0.0f);
  for (std::size_t j = 0; j < idx.size(); ++j) {
    for (std::size_t c = 0; c < 2; ++c) expected[static_cast<std::size_t>(idx[j]) * 2 + c] += g[j * 2 + c];
  }
  EXPECT_EQ(x.grad().to_vector<float>(), expected);
}

TEST(IndexSelect, OutOfRangeIndexNamesIndexPositionAndSize) {
  const Tensor x = Tensor::zeros({4, 3});
  try {
    index_select(x, 1, Tensor::from_vector<std::int64_t>({0, 2, 3}, {3}));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("index 3 at position 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("size 3"), std::string::npos) << msg;
  }
  EXPECT_THROW(index_select(x, 0, Tensor::from_vector<std::int64_t>({-1}, {1})), Error);
  EXPECT_THROW(index_select(x, 0, Tensor::zeros({1})), Error);
  EXPECT_THROW(index_select(x, 2, Tensor::from_vector<std::int64_t>({0}, {1})), Error);
}

TEST(Embedding, LooksUpRowsForAnyIdShape) {
  Generator gen(8);
  const Tensor weight = Tensor::randn({7, 5}, gen);
  const std::vector<std::int32_t> ids = {6, 0, 3, 3, 1, 6};
  const Tensor out = embedding(weight, Tensor::from_vector(ids, {2, 3}));
  ASSERT_EQ(out.shape(), (Shape{2, 3, 5}));
  const std::vector<float> w = weight.to_vector<float>(), o = out.to_vector<float>();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::size_t c = 0; c < 5; ++c) EXPECT_EQ(o[i * 5 + c], w[static_cast<std::size_t>(ids[i]) * 5 + c]);
  }
  const Tensor ids_t = Tensor::from_vector(ids, {3, 2});
  expect_gradients_match([&](const std::vector<Tensor>& in) { return embedding(in[0], ids_t.to(in[0].device())); },
                         {random_param({7, 5}, gen)});
}

TEST(Embedding, GradientIsTheSameForOneAndTwoThreads) {
  Generator gen(9);
  const std::int64_t vocab = 50, dim = 200, n = 600;
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>((i * 7919) % 13);
  const Tensor id_t = Tensor::from_vector(ids, {n});
  const Tensor g = Tensor::randn({n, dim}, gen);
  auto grad_with = [&](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    Tensor w = Tensor::zeros({vocab, dim});
    w.requires_grad_();
    embedding(w, id_t).backward(g);
    omp_set_num_threads(saved);
    return w.grad().to_vector<float>();
  };
  EXPECT_EQ(grad_with(1), grad_with(2));
}

TEST(Embedding, OutOfRangeIdNamesIdPositionAndVocab) {
  const Tensor weight = Tensor::zeros({10, 4});
  try {
    embedding(weight, Tensor::from_vector<std::int64_t>({1, 2, 3, 10}, {2, 2}));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("index 10 at position 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("vocab size 10"), std::string::npos) << msg;
  }
  EXPECT_THROW(embedding(Tensor::zeros({10}), Tensor::from_vector<std::int64_t>({1}, {1})), Error);
}

}  // namespace
}  // namespace pare
