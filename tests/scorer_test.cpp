// The pruning scorers through their interface (prune/scorers/scorer.h), against values computed by
// hand on tiny tensors, and the registry that makes them from a config's criterion name.
#include "prune/scorers/scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prune/importance.h"         // global_topk_masks
#include "prune/masked_parameter.h"   // masked_parameter
#include "runtime/error.h"            // pare::Error
#include "runtime/ops/elementwise.h"  // mul
#include "runtime/ops/reduce.h"       // sum

namespace pare {
namespace {

// One score per row of a [rows, cols] weight (out_channel granularity).
ResolvedParameter rows_of(std::int64_t rows, std::int64_t cols, const std::string& name = "test.weight") {
  ResolvedParameter p;
  p.name = name;
  p.shape = {rows, cols};
  p.mask_shape = {rows};
  p.mask_axis = {0, -1};
  p.span = {1, 1};
  return p;
}

// A member holding `weight` under the 0/1 `mask` of its rows, with `grad` as its gradient if given.
MaskMember member(const ResolvedParameter& p, const std::vector<float>& weight, const std::vector<float>& mask,
                  const std::vector<float>& grad = {}) {
  MaskMember m;
  m.parameter = p;
  m.layout = std::make_shared<MaskLayout>(p);
  m.weight = Tensor::from_vector(weight, p.shape);
  if (!grad.empty()) m.weight.set_grad(Tensor::from_vector(grad, p.shape));
  m.expanded = m.layout->expand(Tensor::from_vector(mask, p.mask_shape));
  return m;
}

PruningGroup settings(const std::string& kind, std::optional<double> threshold = std::nullopt) {
  PruningGroup g;
  g.scorer = kind;
  if (threshold) {
    g.sparse_threshold = threshold;
  } else {
    g.sparse_ratio = 0.5;
  }
  return g;
}

std::unique_ptr<Scorer> make(const PruningGroup& g, Shape mask_shape) {
  return make_scorer(g.scorer, {g, std::move(mask_shape), Device::cpu()});
}

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

TEST(ScorerRegistry, ListsEveryConfigScorer) {
  EXPECT_EQ(scorer_names(), (std::vector<std::string>{"magnitude", "movement", "taylor"}));
  for (const std::string& kind : scorer_names()) {
    EXPECT_NE(make(settings(kind), {2}), nullptr) << kind;
  }
}

TEST(ScorerRegistry, RefusesAnUnknownCriterionNamingTheKnownOnes) {
  const PruningGroup g = settings("magnitude");
  try {
    make_scorer("obert", {g, {2}, Device::cpu()});
    FAIL() << "an unknown criterion was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const char* part : {"\"obert\"", "\"magnitude\"", "\"movement\"", "\"taylor\""}) {
      EXPECT_NE(message.find(part), std::string::npos) << message;
    }
  }
}

TEST(MagnitudeScorer, RanksL1OfMaskedWeightsWithPrunedRowsLast) {
  const auto scorer = make(settings("magnitude"), {3});
  EXPECT_EQ(scorer->mask_update(), MaskUpdate::scheduled_ranking);
  EXPECT_FALSE(scorer->learned_scores().defined());
  EXPECT_FALSE(scorer->penalty().defined());
  EXPECT_TRUE(scorer->state_tensors().empty());
  // Rows |1| + |-2| = 3 and |-3| + |0| = 3; row 2 is pruned, so it ranks -1 whatever its weights.
  const Tensor mask = Tensor::from_vector<float>({1, 1, 0}, {3});
  const auto p = rows_of(3, 2);
  const std::vector<MaskMember> one{member(p, {1, -2, -3, 0, 0.5f, 0.5f}, {1, 1, 0})};
  EXPECT_EQ(values(scorer->ranking_scores(one, mask)), (std::vector<float>{3, 3, -1}));
  // A dependency unit sums its members: a second [3, 1] member adds |4|, |-1|, |7|.
  const auto q = rows_of(3, 1, "other.weight");
  const std::vector<MaskMember> two{one[0], member(q, {4, -1, 7}, {1, 1, 0})};
  const Tensor scores = scorer->ranking_scores(two, mask);
  EXPECT_EQ(values(scores), (std::vector<float>{7, 4, -1}));
  // Keeping one row of three keeps row 0.
  EXPECT_EQ(values(global_topk_masks({scores}, 2.0 / 3)[0]), (std::vector<float>{1, 0, 0}));
}

TEST(TaylorScorer, SumsAbsoluteWeightTimesGradientUntilARanking) {
  const auto scorer = make(settings("taylor"), {2});
  EXPECT_EQ(scorer->mask_update(), MaskUpdate::scheduled_ranking);
  EXPECT_FALSE(scorer->learned_scores().defined());
  EXPECT_FALSE(scorer->penalty().defined());
  const auto p = rows_of(2, 2);
  const Tensor kept = Tensor::ones({2});
  // W * g, step 1: [0.5, -2 | -3, 1]; step 2: [-2, 1 | -0.25, 4]. A member without a gradient adds
  // nothing.
  scorer->observe({member(p, {1, -2, 3, 0.5f}, {1, 1}, {0.5f, 1, -1, 2}), member(p, {9, 9, 9, 9}, {1, 1})});
  EXPECT_EQ(values(scorer->ranking_scores({}, kept)), (std::vector<float>{2.5f, 4.0f}));
  scorer->observe({member(p, {2, -1, -1, 1}, {1, 1}, {-1, -1, 0.25f, 4})});
  EXPECT_EQ(values(scorer->ranking_scores({}, kept)), (std::vector<float>{5.5f, 8.25f}));
  // What is pruned ranks last.
  EXPECT_EQ(values(scorer->ranking_scores({}, Tensor::from_vector<float>({0, 1}, {2}))),
            (std::vector<float>{-1, 8.25f}));

  // The sums are saved under "scores" and restored into a fresh scorer.
  const StateDict state = scorer->state_tensors();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(values(state.at("scores")), (std::vector<float>{5.5f, 8.25f}));
  const auto resumed = make(settings("taylor"), {2});
  resumed->load_state_tensors([&](const std::string& kind) -> const Tensor& { return state.at(kind); });
  EXPECT_EQ(values(resumed->ranking_scores({}, kept)), (std::vector<float>{5.5f, 8.25f}));

  // A ranking starts the next sums from zero.
  scorer->after_ranking();
  EXPECT_EQ(values(scorer->ranking_scores({}, kept)), (std::vector<float>{0, 0}));
}

TEST(MovementScorer, HardModeRanksItsLearnedScoresEveryStep) {
  const auto scorer = make(settings("movement"), {2});
  EXPECT_EQ(scorer->mask_update(), MaskUpdate::ranking_every_step);
  EXPECT_FALSE(scorer->penalty().defined());
  const Tensor learned = scorer->learned_scores();
  ASSERT_TRUE(learned.defined());
  EXPECT_TRUE(learned.requires_grad());
  EXPECT_EQ(values(learned), (std::vector<float>{0, 0}));

  // Through the mask's straight-through gradient, d(sum of W')/d(score of a row) is the row's sum of
  // W: 1 - 2 = -1 and 3 + 0.5 = 3.5.
  const auto p = rows_of(2, 2);
  const MaskMember m = member(p, {1, -2, 3, 0.5f}, {1, 1});
  sum(masked_parameter(m.weight, m.expanded, m.layout, learned)).backward();
  EXPECT_EQ(values(learned.grad()), (std::vector<float>{-1, 3.5f}));

  // The ranking reads the learned scores, whatever the current mask.
  learned.detach().copy_(Tensor::from_vector<float>({0.25f, -0.5f}, {2}));
  EXPECT_EQ(values(scorer->ranking_scores({m}, Tensor::from_vector<float>({0, 1}, {2}))),
            (std::vector<float>{0.25f, -0.5f}));
}

TEST(MovementScorer, ResumeRestoresScoresInPlace) {
  const auto scorer = make(settings("movement"), {2});
  scorer->learned_scores().detach().copy_(Tensor::from_vector<float>({0.25f, -0.5f}, {2}));
  const StateDict state = scorer->state_tensors();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(values(state.at("scores")), (std::vector<float>{0.25f, -0.5f}));

  const auto resumed = make(settings("movement"), {2});
  const Tensor before = resumed->learned_scores();  // what an optimizer would hold
  resumed->load_state_tensors([&](const std::string& kind) -> const Tensor& { return state.at(kind); });
  EXPECT_EQ(resumed->learned_scores().impl(), before.impl());
  EXPECT_EQ(values(before), (std::vector<float>{0.25f, -0.5f}));
}

TEST(MovementScorer, SoftModeThresholdsSigmoidAndPenalisesIt) {
  const auto scorer = make(settings("movement", 0.7), {4});
  EXPECT_EQ(scorer->mask_update(), MaskUpdate::own_threshold);
  const Tensor learned = scorer->learned_scores();
  // At zero scores every sigmoid is 1/2 and its derivative 1/4.
  const Tensor penalty = scorer->penalty();
  ASSERT_TRUE(penalty.defined());
  EXPECT_FLOAT_EQ(static_cast<float>(penalty.item()), 2.0f);
  penalty.backward();
  EXPECT_EQ(values(learned.grad()), (std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f}));

  // sigmoid(-1, 0, 0.5, 2) = 0.269, 0.5, 0.622, 0.881: only the last reaches 0.7.
  const std::vector<float> s{-1, 0, 0.5f, 2};
  learned.detach().copy_(Tensor::from_vector(s, {4}));
  EXPECT_EQ(values(scorer->own_mask()), (std::vector<float>{0, 0, 0, 1}));
  double expected = 0.0;
  for (float x : s) expected += 1.0 / (1.0 + std::exp(-static_cast<double>(x)));
  EXPECT_NEAR(scorer->penalty().item(), expected, 1e-6);
}

}  // namespace
}  // namespace pare
