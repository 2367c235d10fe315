// The distillation losses against PyTorch (tests/reference/make_distill_fixtures.py): values and
// gradients within 1e-5, plus the hidden-state projection's restriction after hidden-dim surgery.
#include "distill/distillation_losses.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "distill/hidden_projection.h"
#include "runtime/io/safetensors.h"
#include "runtime/ops/indexing.h"  // index_select
#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_close;

constexpr double kTol = 1e-5;
constexpr double kTemperature = 2.0;

class DistillFixture : public ::testing::Test {
 protected:
  static Tensor load(const std::string& name) {
    static const SafetensorsFile file =
        SafetensorsFile::open(std::filesystem::path(PARE_TEST_DATA_DIR) / "distill" / "losses.safetensors");
    return file.load(name);
  }
  static Tensor leaf(const std::string& name) {
    Tensor t = load(name);
    t.requires_grad_(true);
    return t;
  }
};

TEST_F(DistillFixture, SequenceLogitKlMatchesPyTorch) {
  Tensor s = leaf("cls_student");
  const Tensor loss =
      prediction_distillation_loss(s, load("cls_teacher"), Tensor(), PredictionLossKind::kl_divergence, kTemperature);
  expect_close(loss, load("cls_loss"), kTol, kTol, "loss");
  loss.backward();
  expect_close(s.grad(), load("cls_grad"), kTol, kTol, "grad");
}

// Question answering: a start and an end distribution over each sequence's real tokens, against the
// KL written out in double: 0.5 * (KL_start + KL_end), each T^2 * mean over sequences of
// sum_j p_t(j) (log p_t(j) - log p_s(j)) with p = softmax(logits / T) over the unpadded tokens.
TEST(AnswerSpanDistillation, KlOverEachSequencesTokensForStartAndEnd) {
  const std::vector<float> s = {0.3f, -1.2f, 2.0f, 0.7f, 1.1f, 0.0f, -0.4f, 0.9f, 1.5f, -2.0f, 0.2f, 0.8f};
  const std::vector<float> t = {1.0f, 0.1f, -0.5f, 1.7f, 0.4f, -0.9f, 2.2f, 0.3f, -1.1f, 0.6f, 1.9f, -0.7f};
  const std::vector<std::int64_t> mask = {1, 1, 1, 1, 1, 0};  // sequence 1's last token is padding
  const double temperature = 2.0;
  double expected = 0;
  for (int c = 0; c < 2; ++c) {
    for (int b = 0; b < 2; ++b) {
      const int tokens = b == 0 ? 3 : 2;
      auto log_softmax = [&](const std::vector<float>& x) {
        std::vector<double> z;
        double most = -1e300;
        for (int j = 0; j < tokens; ++j) most = std::max(most, x[(b * 3 + j) * 2 + c] / temperature);
        double sum = 0;
        for (int j = 0; j < tokens; ++j) sum += std::exp(x[(b * 3 + j) * 2 + c] / temperature - most);
        for (int j = 0; j < tokens; ++j) z.push_back(x[(b * 3 + j) * 2 + c] / temperature - most - std::log(sum));
        return z;
      };
      const std::vector<double> ls = log_softmax(s), lt = log_softmax(t);
      double kl = 0;
      for (int j = 0; j < tokens; ++j) kl += std::exp(lt[j]) * (lt[j] - ls[j]);
      expected += 0.5 * temperature * temperature * kl / 2.0;
    }
  }
  const Tensor got = answer_span_distillation_loss(Tensor::from_vector(s, {2, 3, 2}), Tensor::from_vector(t, {2, 3, 2}),
                                                   Tensor::from_vector(mask, {2, 3}), temperature);
  EXPECT_NEAR(got.item(), expected, 1e-5 * expected);
  // Equal logits: nothing to learn.
  EXPECT_NEAR(answer_span_distillation_loss(Tensor::from_vector(t, {2, 3, 2}), Tensor::from_vector(t, {2, 3, 2}),
                                            Tensor::from_vector(mask, {2, 3}), temperature)
                  .item(),
              0.0, 1e-6);
}

TEST_F(DistillFixture, TokenLogitKlCountsOnlyRealTokens) {
  Tensor s = leaf("tok_student");
  const Tensor loss = prediction_distillation_loss(s, load("tok_teacher"), load("mask"),
                                                   PredictionLossKind::kl_divergence, kTemperature);
  expect_close(loss, load("tok_loss"), kTol, kTol, "loss");
  loss.backward();
  // The fixture's gradient is zero on padding rows.
  expect_close(s.grad(), load("tok_grad"), kTol, kTol, "grad");
}

TEST_F(DistillFixture, RegressionLogitsUseMse) {
  Tensor s = leaf("reg_student");
  const Tensor loss =
      prediction_distillation_loss(s, load("reg_teacher"), Tensor(), PredictionLossKind::mse, kTemperature);
  expect_close(loss, load("reg_loss"), kTol, kTol, "loss");
  loss.backward();
  expect_close(s.grad(), load("reg_grad"), kTol, kTol, "grad");
}

TEST_F(DistillFixture, ProjectedHiddenMseMatchesPyTorch) {
  Generator gen(1);
  HiddenProjection projection(6, 8, gen);
  ASSERT_FALSE(projection.is_identity());
  const NamedTensors params = projection.parameters();
  ASSERT_EQ(params.size(), 2u);
  params[0].second.detach().copy_(load("proj_weight"));
  params[1].second.detach().copy_(load("proj_bias"));
  Tensor s = leaf("proj_student");
  const Tensor loss = hidden_state_mse(projection.forward(s), load("proj_teacher"), load("mask"));
  expect_close(loss, load("proj_loss"), kTol, kTol, "loss");
  loss.backward();
  expect_close(s.grad(), load("proj_grad_student"), kTol, kTol, "student grad");
  expect_close(params[0].second.grad(), load("proj_grad_weight"), kTol, kTol, "weight grad");
  expect_close(params[1].second.grad(), load("proj_grad_bias"), kTol, kTol, "bias grad");
}

TEST_F(DistillFixture, SameWidthHiddenMseMatchesPyTorch) {
  Generator gen(1);
  HiddenProjection projection(8, 8, gen);
  EXPECT_TRUE(projection.is_identity());
  EXPECT_TRUE(projection.parameters().empty());
  Tensor s = leaf("same_student");
  const Tensor loss = hidden_state_mse(projection.forward(s), load("same_teacher"), load("mask"));
  expect_close(loss, load("same_loss"), kTol, kTol, "loss");
  loss.backward();
  expect_close(s.grad(), load("same_grad"), kTol, kTol, "grad");
}

TEST(HiddenStateMse, GradientsMatchFiniteDifferences) {
  Generator gen(3);
  const Tensor mask = Tensor::from_vector<std::int64_t>({1, 1, 0, 1, 0, 0}, {2, 3});
  testing::expect_gradients_match(
      [mask](const std::vector<Tensor>& in) { return hidden_state_mse(in[0], in[1], mask.to(in[0].device())); },
      {testing::random_param({2, 3, 4}, gen), testing::random_param({2, 3, 4}, gen)});
}

TEST(HiddenStateMse, RefusesMismatchedShapesAndEmptyMasks) {
  const Tensor a = Tensor::zeros({1, 2, 3}), b = Tensor::zeros({1, 2, 4});
  EXPECT_THROW(hidden_state_mse(a, b, Tensor()), Error);
  EXPECT_THROW(hidden_state_mse(a, a, Tensor::zeros({1, 2}, DType::i64)), Error);
  EXPECT_THROW(hidden_state_mse(a, a, Tensor::ones({2, 2}, DType::i64)), Error);
}

// Surgery that removes student hidden dims whose values were zero (masked) leaves the loss as it was.
TEST(HiddenProjection, RestrictingTheIdentityKeepsTheLoss) {
  Generator gen(5);
  const std::vector<std::int64_t> kept{0, 2, 3};
  Tensor student = Tensor::randn({2, 3, 5}, gen);
  {
    float* x = student.data<float>();
    for (std::int64_t i = 0; i < student.numel(); i += 5) x[i + 1] = x[i + 4] = 0.0f;
  }
  const Tensor teacher = Tensor::randn({2, 3, 5}, gen);
  HiddenProjection projection(5, 5, gen);
  const double before = hidden_state_mse(projection.forward(student), teacher, Tensor()).item();
  projection.restrict_input(kept);
  EXPECT_FALSE(projection.is_identity());
  EXPECT_EQ(projection.student_hidden(), 3);
  const Tensor restricted = index_select(student, 2, Tensor::from_vector(kept, {3}));
  const double after = hidden_state_mse(projection.forward(restricted), teacher, Tensor()).item();
  EXPECT_NEAR(after, before, 1e-6 * before);
  EXPECT_TRUE(projection.parameters()[0].second.requires_grad());
}

// CoFi's form: a learned map between equal widths that starts as the identity and then trains.
TEST(HiddenProjection, LearnedIdentityStartsExactAndReceivesGradients) {
  Generator gen(7);
  HiddenProjection projection(4, 4, gen, true);
  EXPECT_FALSE(projection.is_identity());
  ASSERT_EQ(projection.parameters().size(), 2u);
  const Tensor student = Tensor::randn({2, 3, 4}, gen), teacher = Tensor::randn({2, 3, 4}, gen);
  const Tensor mapped = projection.forward(student);
  EXPECT_EQ(mapped.to_vector<float>(), student.to_vector<float>());
  hidden_state_mse(mapped, teacher, Tensor()).backward();
  const Tensor weight = projection.parameters()[0].second;
  ASSERT_TRUE(weight.grad().defined());
  const std::vector<float> g = weight.grad().to_vector<float>();
  EXPECT_NE(*std::max_element(g.begin(), g.end()), 0.0f);
  EXPECT_TRUE(HiddenProjection(4, 4, gen).is_identity());
}

TEST(HiddenProjection, RestrictingALearnedMapKeepsItsColumns) {
  Generator gen(6);
  HiddenProjection projection(4, 3, gen);
  const std::vector<float> weight = projection.parameters()[0].second.to_vector<float>();
  projection.restrict_input({1, 3});
  const std::vector<float> kept = projection.parameters()[0].second.to_vector<float>();
  ASSERT_EQ(kept.size(), 6u);
  for (std::size_t row = 0; row < 3; ++row) {
    EXPECT_EQ(kept[row * 2], weight[row * 4 + 1]);
    EXPECT_EQ(kept[row * 2 + 1], weight[row * 4 + 3]);
  }
  EXPECT_THROW(projection.restrict_input({1, 1}), Error);
  EXPECT_THROW(projection.restrict_input({2}), Error);
}

}  // namespace
}  // namespace pare
