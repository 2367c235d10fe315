// The state CUDA's fused attention saves per query row for its backward (kernels/cuda/
// attention_row_state.h), checked on the host where the formula is shared with the kernels: a row
// whose keys are all masked gets probabilities 1 / S, which a saved log-sum-exp could not give.
#include "kernels/cuda/attention_row_state.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>
#include <vector>

namespace pare::kernels::cuda {
namespace {

// The forward's state of a row of scores, as fused_attention.cu builds it: the largest score and the
// log of the sum of exp(s - max).
struct State {
  float max, log_sum;
};
State state_of(const std::vector<float>& scores) {
  float m = -INFINITY;
  for (float s : scores) m = std::fmax(m, s);
  float l = 0.0f;
  for (float s : scores) l += std::exp(s - m);
  return {m, std::log(l)};
}

TEST(AttentionRowState, ARowWithEveryKeyMaskedGetsUniformProbabilities) {
  const std::size_t keys = 13;
  // Every score of such a row is clamped to the most negative float, as the kernels and the CPU do.
  const std::vector<float> scores(keys, -FLT_MAX);
  const State state = state_of(scores);
  // Why the log-sum-exp alone would not do: it rounds back to the maximum, giving probabilities of 1.
  EXPECT_EQ(state.max + state.log_sum, -FLT_MAX);
  double total = 0;
  for (float s : scores) {
    const float p = probability_from_row_state(s, state.max, state.log_sum);
    EXPECT_NEAR(p, 1.0 / keys, 1e-7);
    total += p;
  }
  EXPECT_NEAR(total, 1.0, 1e-6);
}

TEST(AttentionRowState, OrdinaryRowsGiveTheSoftmax) {
  std::mt19937 rng(29);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  for (int row = 0; row < 20; ++row) {
    std::vector<float> scores(77);
    for (float& s : scores) s = normal(rng);
    scores[5] = -10000.0f;  // a masked key among real ones
    const State state = state_of(scores);
    double sum = 0;
    double m = -INFINITY;
    for (float s : scores) m = std::fmax(m, static_cast<double>(s));
    for (float s : scores) sum += std::exp(static_cast<double>(s) - m);
    for (float s : scores) {
      const double want = std::exp(static_cast<double>(s) - m) / sum;
      EXPECT_NEAR(probability_from_row_state(s, state.max, state.log_sum), want, 1e-6 * std::fmax(want, 1e-3));
    }
  }
}

}  // namespace
}  // namespace pare::kernels::cuda
