// Importance scores and masks against hand computations on tiny tensors.
#include "prune/importance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "runtime/error.h"   // pare::Error
#include "runtime/random.h"  // Generator

namespace pare {
namespace {

ResolvedParameter layout(Shape shape, Shape mask_shape, std::vector<int> mask_axis, std::vector<std::int64_t> span) {
  ResolvedParameter p;
  p.name = "test.weight";
  p.shape = std::move(shape);
  p.mask_shape = std::move(mask_shape);
  p.mask_axis = std::move(mask_axis);
  p.span = std::move(span);
  return p;
}

Tensor iota(const Shape& shape, float first = 0.0f) {
  std::vector<float> v(static_cast<std::size_t>(shape_numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = first + static_cast<float>(i);
  return Tensor::from_vector(v, shape);
}

// A per-layer ranking: the top-k of one tensor on its own.
std::vector<float> per_layer_mask(const Tensor& scores, double sparse_ratio) {
  return global_topk_masks({scores}, sparse_ratio).at(0).to_vector<float>();
}

float sum(const std::vector<float>& v) {
  float s = 0.0f;
  for (float x : v) s += x;
  return s;
}

TEST(Importance, ReduceHeadsSumsEachHeadsRows) {
  // Two heads of two rows each in a [4, 3] projection: rows 0-1 hold 0..5, rows 2-3 hold 6..11.
  const auto p = layout({4, 3}, {2}, {0, -1}, {2, 1});
  EXPECT_EQ(reduce_to_mask(p, iota({4, 3})).to_vector<float>(), (std::vector<float>{15, 51}));
}

TEST(Importance, ReduceBlocksAndColumns) {
  const auto blocks = layout({4, 4}, {2, 2}, {0, 1}, {2, 2});
  EXPECT_EQ(reduce_to_mask(blocks, iota({4, 4})).to_vector<float>(), (std::vector<float>{10, 18, 42, 50}));
  const auto columns = layout({2, 3}, {3}, {-1, 0}, {1, 1});
  EXPECT_EQ(reduce_to_mask(columns, iota({2, 3})).to_vector<float>(), (std::vector<float>{3, 5, 7}));
  const auto elements = layout({2, 3}, {2, 3}, {0, 1}, {1, 1});
  EXPECT_EQ(reduce_to_mask(elements, iota({2, 3})).to_vector<float>(), iota({2, 3}).to_vector<float>());
}

TEST(Importance, ReduceSharedAxesCountsRowAndColumnOnce) {
  // Hidden granularity on a hidden x hidden weight holding 1..9: entry e = row e + column e - W[e][e].
  const auto p = layout({3, 3}, {3}, {0, 0}, {1, 1});
  EXPECT_EQ(reduce_to_mask(p, iota({3, 3}, 1.0f)).to_vector<float>(), (std::vector<float>{17, 25, 33}));
}

TEST(Importance, ReduceReadsStridedViews) {
  // The transpose of iota([3, 2]) is [[0, 2, 4], [1, 3, 5]]; its column sums are 1, 5, 9.
  const auto p = layout({2, 3}, {3}, {-1, 0}, {1, 1});
  EXPECT_EQ(reduce_to_mask(p, iota({3, 2}).permute({1, 0})).to_vector<float>(), (std::vector<float>{1, 5, 9}));
}

TEST(Importance, ReduceFollowsResolvedLayouts) {
  // The layouts resolve() makes for a head group and a hidden group, on hand-described parameters.
  PruneParameterInfo query{
      "bert.encoder.layer.0.attention.self.query.weight", {4, 3}, PruneOpType::linear, 0, 0, 2, {1}};
  PruneParameterInfo pooler{"bert.pooler.dense.weight", {3, 3}, PruneOpType::linear, -1, -1, 0, {0, 1}};
  const nlohmann::json groups = {
      {{"op_names", {R"(.*query\.weight)"}}, {"scorer", "movement"}, {"sparse_ratio", 0.5}, {"granularity", "head"}},
      {{"op_names", {R"(.*pooler\.dense\.weight)"}},
       {"scorer", "taylor"},
       {"sparse_ratio", 0.5},
       {"granularity", "hidden"},
       {"dependency_group", "hidden"}}};
  const ResolvedPruning resolved = resolve(PruningConfig::from_json(groups), {query, pooler});
  ASSERT_EQ(resolved.groups.size(), 2u);
  EXPECT_EQ(reduce_to_mask(resolved.groups[0].parameters.at(0), iota({4, 3})).to_vector<float>(),
            (std::vector<float>{15, 51}));
  EXPECT_EQ(reduce_to_mask(resolved.groups[1].parameters.at(0), iota({3, 3}, 1.0f)).to_vector<float>(),
            (std::vector<float>{17, 25, 33}));
}

TEST(Importance, MagnitudeL1AndL2RankRowsDifferently) {
  const auto p = layout({3, 2}, {3}, {0, -1}, {1, 1});
  const Tensor w = Tensor::from_vector<float>({1, -2, -3, 0, 0.5f, 0.5f}, {3, 2});
  EXPECT_EQ(magnitude_importance(p, w, MagnitudeNorm::l1).to_vector<float>(), (std::vector<float>{3, 3, 1}));
  const auto l2 = magnitude_importance(p, w, MagnitudeNorm::l2).to_vector<float>();
  EXPECT_FLOAT_EQ(l2[0], std::sqrt(5.0f));
  EXPECT_FLOAT_EQ(l2[1], 3.0f);
  EXPECT_FLOAT_EQ(l2[2], std::sqrt(0.5f));
  // Keeping one row of three: L1 ties rows 0 and 1 (the lower index wins), L2 prefers row 1.
  EXPECT_EQ(per_layer_mask(magnitude_importance(p, w, MagnitudeNorm::l1), 2.0 / 3), (std::vector<float>{1, 0, 0}));
  EXPECT_EQ(per_layer_mask(magnitude_importance(p, w, MagnitudeNorm::l2), 2.0 / 3), (std::vector<float>{0, 1, 0}));
}

TEST(Importance, TaylorOfOneStep) {
  const auto p = layout({2, 2}, {2}, {0, -1}, {1, 1});  // out_channel: one score per row
  const Tensor w = Tensor::from_vector<float>({1, -2, 3, 0.5f}, {2, 2});
  const Tensor g = Tensor::from_vector<float>({0.5f, 1, -1, 2}, {2, 2});
  // W * g: [0.5, -2 | -3, 1].
  EXPECT_EQ(taylor_importance(p, w, g).to_vector<float>(), (std::vector<float>{2.5f, 4.0f}));
}

TEST(Importance, TopkKeepsExactlyTheRoundedCount) {
  Generator gen(7);
  for (std::int64_t n : {1, 5, 10, 37, 64}) {
    const Tensor scores = Tensor::randn({n}, gen);
    for (double ratio : {0.0, 0.1, 0.25, 0.3, 0.5, 0.72, 0.9, 0.99}) {
      const auto mask = per_layer_mask(scores, ratio);
      const double expected = std::round((1.0 - ratio) * static_cast<double>(n));
      EXPECT_EQ(sum(mask), static_cast<float>(expected)) << "n " << n << " ratio " << ratio;
      // Every kept score is at least every pruned one.
      const auto s = scores.to_vector<float>();
      for (std::size_t i = 0; i < s.size(); ++i) {
        for (std::size_t j = 0; j < s.size(); ++j) {
          if (mask[i] == 1.0f && mask[j] == 0.0f) {
            EXPECT_GE(s[i], s[j]);
          }
        }
      }
    }
  }
  EXPECT_EQ(kept_count(10, 0.3), 7);
  EXPECT_EQ(kept_count(5, 0.5), 3);  // 2.5 rounds up
}

TEST(Importance, TopkBreaksTiesByIndex) {
  const Tensor scores = Tensor::from_vector<float>({1, 1, 1, 1, 1, 1}, {2, 3});
  const Tensor mask = global_topk_masks({scores}, 0.5).at(0);
  EXPECT_EQ(mask.shape(), (Shape{2, 3}));
  EXPECT_EQ(mask.to_vector<float>(), (std::vector<float>{1, 1, 1, 0, 0, 0}));
  const Tensor mixed = Tensor::from_vector<float>({0, 2, 1, 2}, {4});
  EXPECT_EQ(per_layer_mask(mixed, 0.5), (std::vector<float>{0, 1, 0, 1}));
  EXPECT_EQ(per_layer_mask(mixed, 0.75), (std::vector<float>{0, 1, 0, 0}));
}

TEST(Importance, GlobalRankingDiffersFromPerLayer) {
  const Tensor strong = Tensor::from_vector<float>({10, 13, 11, 12}, {4});
  const Tensor weak = Tensor::from_vector<float>({1, 4, 2, 3}, {4});
  // Per layer: each keeps its own top half.
  EXPECT_EQ(per_layer_mask(strong, 0.5), (std::vector<float>{0, 1, 0, 1}));
  EXPECT_EQ(per_layer_mask(weak, 0.5), (std::vector<float>{0, 1, 0, 1}));
  // Global: the strong layer keeps everything and the weak one nothing; half of all entries kept.
  const auto global = global_topk_masks({strong, weak}, 0.5);
  ASSERT_EQ(global.size(), 2u);
  EXPECT_EQ(global[0].to_vector<float>(), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(global[1].to_vector<float>(), (std::vector<float>{0, 0, 0, 0}));
  // Ties across tensors go to the earlier tensor.
  const auto tied = global_topk_masks({Tensor::ones({2}), Tensor::ones({2, 1})}, 0.5);
  EXPECT_EQ(tied[0].to_vector<float>(), (std::vector<float>{1, 1}));
  EXPECT_EQ(tied[1].to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_EQ(tied[1].shape(), (Shape{2, 1}));
}

TEST(Importance, ThresholdMaskKeepsSigmoidAtLeastThreshold) {
  const Tensor scores = Tensor::from_vector<float>({-1, 0, 0.5f, 2}, {2, 2});
  // sigmoid: 0.269, 0.5, 0.622, 0.881.
  EXPECT_EQ(threshold_mask(scores, 0.5).to_vector<float>(), (std::vector<float>{0, 1, 1, 1}));
  EXPECT_EQ(threshold_mask(scores, 0.7).to_vector<float>(), (std::vector<float>{0, 0, 0, 1}));
  EXPECT_EQ(threshold_mask(scores, 0.1).to_vector<float>(), (std::vector<float>{1, 1, 1, 1}));
}

TEST(Importance, BadInputsThrow) {
  const auto p = layout({4, 3}, {2}, {0, -1}, {2, 1});
  EXPECT_THROW(reduce_to_mask(p, iota({3, 4})), Error);
  EXPECT_THROW(reduce_to_mask(layout({4, 3}, {3}, {0, -1}, {2, 1}), iota({4, 3})), Error);  // span does not fit
  EXPECT_THROW(taylor_importance(p, iota({4, 3}), iota({4, 2})), Error);
  EXPECT_THROW(per_layer_mask(iota({4}), 1.0), Error);
  EXPECT_THROW(per_layer_mask(iota({4}), -0.1), Error);
  EXPECT_THROW(per_layer_mask(Tensor::from_vector<float>({1, NAN}, {2}), 0.5), Error);
  EXPECT_THROW(threshold_mask(iota({4}), 1.0), Error);
  EXPECT_THROW(threshold_mask(iota({4}), 0.0), Error);
  try {
    reduce_to_mask(p, iota({3, 4}));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("test.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pare
