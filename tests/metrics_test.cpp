#include "data/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "data/glue.h"
#include "runtime/error.h"

namespace pare {
namespace {

using Ids = std::vector<std::int64_t>;
using Reals = std::vector<double>;

TEST(Metrics, AccuracyF1AndMccOnAHandCountedCase) {
  // TP = 2 (0, 2), FP = 1 (3), FN = 1 (1), TN = 0.
  const Ids pred = {1, 0, 1, 1}, label = {1, 1, 1, 0};
  EXPECT_DOUBLE_EQ(accuracy(pred, label), 0.5);
  EXPECT_DOUBLE_EQ(f1_binary(pred, label), 2.0 * 2 / (2 * 2 + 1 + 1));
  // (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = -1 / 3.
  EXPECT_NEAR(matthews_correlation(pred, label), -1.0 / 3.0, 1e-15);
}

TEST(Metrics, MccBinaryAndMultiClass) {
  // TP = 2, FP = 1, TN = 2, FN = 1: (4 - 1) / sqrt(3^4) = 1/3.
  EXPECT_NEAR(matthews_correlation(Ids{1, 1, 0, 0, 1, 0}, Ids{1, 0, 0, 0, 1, 1}), 1.0 / 3.0, 1e-15);
  EXPECT_DOUBLE_EQ(matthews_correlation(Ids{0, 1, 2}, Ids{0, 1, 2}), 1.0);
  EXPECT_DOUBLE_EQ(matthews_correlation(Ids{1, 0}, Ids{0, 1}), -1.0);
  // Three classes; the correlation of the one-hot matrices, worked out by hand: 12 / sqrt(22 * 24).
  EXPECT_NEAR(matthews_correlation(Ids{0, 1, 1, 1, 2, 0}, Ids{0, 0, 1, 1, 2, 2}), 12 / std::sqrt(528.0), 1e-15);
}

TEST(Metrics, DegenerateCasesAreDefined) {
  // A model that always predicts one class: MCC 0, not NaN.
  EXPECT_EQ(matthews_correlation(Ids{1, 1, 1, 1}, Ids{0, 1, 0, 1}), 0.0);
  EXPECT_EQ(matthews_correlation(Ids{0, 1, 0, 1}, Ids{1, 1, 1, 1}), 0.0);
  EXPECT_EQ(f1_binary(Ids{0, 0, 0}, Ids{1, 0, 1}), 0.0);
  EXPECT_EQ(f1_binary(Ids{0, 0}, Ids{0, 0}), 0.0);
  EXPECT_EQ(pearson(Reals{2, 2, 2}, Reals{1, 2, 3}), 0.0);
  EXPECT_EQ(spearman(Reals{3, 1, 2}, Reals{4, 4, 4.5}), 0.0);  // ranks (3, 1, 2) and (1.5, 1.5, 3)
  EXPECT_THROW(accuracy(Ids{}, Ids{}), Error);
  EXPECT_THROW(accuracy(Ids{1}, Ids{1, 0}), Error);
  EXPECT_THROW(f1_binary(Ids{2}, Ids{1}), Error);
  EXPECT_THROW(pearson(Reals{1, NAN}, Reals{1, 2}), Error);
}

// No prediction correlates with labels that are all equal: Pearson and Spearman are undefined (NaN),
// where a model's constant predictions of varying labels score 0.
TEST(Metrics, CorrelationWithConstantLabelsIsUndefined) {
  EXPECT_TRUE(std::isnan(pearson(Reals{1, 2, 3}, Reals{5, 5, 5})));
  EXPECT_TRUE(std::isnan(spearman(Reals{1, 2, 3}, Reals{5, 5, 5})));
  EXPECT_TRUE(std::isnan(pearson(Reals{4, 4, 4}, Reals{0.5, 0.5, 0.5})));
  EXPECT_EQ(pearson(Reals{2, 2, 2}, Reals{1, 2, 3}), 0.0);
  const auto stsb = task_metrics(glue_task("stsb"), Reals{1, 2, 3}, Reals{2.5, 2.5, 2.5});
  ASSERT_EQ(stsb.size(), 2u);
  EXPECT_EQ(stsb[0].name, "pearson");
  EXPECT_TRUE(std::isnan(stsb[0].value));
  EXPECT_TRUE(std::isnan(stsb[1].value));
}

TEST(Metrics, Pearson) {
  // Deviations (-1.5, -.5, .5, 1.5) and (-3, -1, 0, 4): 11 / sqrt(5 * 26).
  EXPECT_NEAR(pearson(Reals{1, 2, 3, 4}, Reals{2, 4, 5, 9}), 11 / std::sqrt(130.0), 1e-15);
  EXPECT_NEAR(pearson(Reals{1, 2, 3}, Reals{-2, -4, -6}), -1.0, 1e-15);
}

TEST(Metrics, SpearmanAveragesTiedRanks) {
  // Ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4): 4.5 / sqrt(4.5 * 5).
  EXPECT_NEAR(spearman(Reals{1, 2, 2, 3}, Reals{1, 3, 2, 4}), 4.5 / std::sqrt(22.5), 1e-15);
  // Monotone but not linear.
  EXPECT_NEAR(spearman(Reals{1, 2, 3, 4}, Reals{1, 8, 27, 1000}), 1.0, 1e-15);
  EXPECT_LT(pearson(Reals{1, 2, 3, 4}, Reals{1, 8, 27, 1000}), 0.9);
  // A three-way tie in the middle and a reversed order: ranks (1, 3, 3, 3, 5) vs (5, 4, 3, 2, 1).
  // Deviations (-2, 0, 0, 0, 2) and (2, 1, 0, -1, -2): -8 / sqrt(8 * 10).
  EXPECT_NEAR(spearman(Reals{0.1, 0.5, 0.5, 0.5, 0.9}, Reals{9, 7, 5, 3, 1}), -8 / std::sqrt(80.0), 1e-15);
}

TEST(Metrics, TaskMetricsFollowGlueConventions) {
  const Ids pred = {1, 0, 1, 1}, label = {1, 1, 1, 0};
  const auto cola = task_metrics(glue_task("cola"), pred, label);
  ASSERT_EQ(cola.size(), 1u);
  EXPECT_EQ(cola[0].name, "mcc");
  EXPECT_NEAR(cola[0].value, -1.0 / 3.0, 1e-15);

  const auto mrpc = task_metrics(glue_task("mrpc"), pred, label);
  ASSERT_EQ(mrpc.size(), 2u);
  EXPECT_EQ(mrpc[0].name, "f1");
  EXPECT_NEAR(mrpc[0].value, 2.0 / 3.0, 1e-15);
  EXPECT_EQ(mrpc[1].name, "accuracy");
  EXPECT_DOUBLE_EQ(mrpc[1].value, 0.5);

  const auto mnli = task_metrics(glue_task("mnli"), Ids{0, 1, 2}, Ids{0, 2, 2});
  ASSERT_EQ(mnli.size(), 1u);
  EXPECT_NEAR(mnli[0].value, 2.0 / 3.0, 1e-15);

  const auto stsb = task_metrics(glue_task("stsb"), Reals{1, 2, 2, 3}, Reals{1, 3, 2, 4});
  ASSERT_EQ(stsb.size(), 2u);
  EXPECT_EQ(stsb[0].name, "pearson");
  EXPECT_EQ(stsb[1].name, "spearman");
  EXPECT_NEAR(stsb[1].value, 4.5 / std::sqrt(22.5), 1e-15);

  EXPECT_THROW(task_metrics(glue_task("stsb"), pred, label), Error);
  EXPECT_THROW(task_metrics(glue_task("rte"), Reals{1}, Reals{1}), Error);
}

TEST(Metrics, TaggingIgnoresPaddingPositions) {
  const TaskInfo pos{"pos", TaskKind::tagging, {"a", "b", "c"}, {"accuracy"}};
  const auto m = task_metrics(pos, Ids{0, 2, 1, 1, 0}, Ids{0, kIgnoreLabel, 1, 2, kIgnoreLabel});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_DOUBLE_EQ(m[0].value, 2.0 / 3.0);
}

}  // namespace
}  // namespace pare
