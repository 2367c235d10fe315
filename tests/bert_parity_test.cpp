// BERT against PyTorch (tests/reference/make_bert_fixture.py) on every device present: forward outputs
// within 1e-5 relative, every parameter gradient within 1e-4, the losses of 20 AdamW steps within 1e-4.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "models/checkpoint.h"
#include "runtime/optim/adamw.h"
#include "tests/bert_test_util.h"
#include "tests/devices.h"

namespace pare {
namespace {

using testing::bert_fixture;
using testing::close_relative;
using testing::read_all;

constexpr double kForwardTolerance = 1e-5;
constexpr double kGradientTolerance = 1e-4;
// f32 rounding noise on gradients that are exactly zero in exact arithmetic (typical gradients are
// 1e-3 .. 1).
constexpr double kGradientNoise = 1e-7;

class BertParity : public ::testing::TestWithParam<Device> {
 protected:
  // The fixture model in `dir`, moved to the device under test.
  LoadedBert load(const std::string& dir) const {
    LoadedBert loaded = load_pretrained(bert_fixture(dir));
    loaded.model->to(GetParam());
    return loaded;
  }
  BertInputs fixture_inputs(const StateDict& expected) const {
    const BertInputs in = testing::fixture_inputs(expected);
    return {in.input_ids.to(GetParam()), in.attention_mask.to(GetParam()), in.token_type_ids.to(GetParam())};
  }
  Tensor labels(const StateDict& expected) const { return expected.at("labels").to(GetParam()); }
  void check_forward_and_gradients(const std::string& dir) const;
};

void expect_forward_matches(const BertOutputs& out, const StateDict& expected) {
  std::size_t layers = 0;
  while (expected.count("hidden_states." + std::to_string(layers))) ++layers;
  ASSERT_EQ(out.hidden_states.size(), layers);
  for (std::size_t i = 0; i < layers; ++i) {
    EXPECT_TRUE(
        close_relative(out.hidden_states[i], expected.at("hidden_states." + std::to_string(i)), kForwardTolerance))
        << "hidden_states." << i;
  }
  EXPECT_TRUE(close_relative(out.last_hidden_state, expected.at("last_hidden_state"), kForwardTolerance));
  if (expected.count("pooler_output")) {
    EXPECT_TRUE(close_relative(out.pooler_output, expected.at("pooler_output"), kForwardTolerance));
  } else {
    EXPECT_FALSE(out.pooler_output.defined());
  }
  EXPECT_TRUE(close_relative(out.logits, expected.at("logits"), kForwardTolerance)) << "logits";
  EXPECT_TRUE(close_relative(out.loss.reshape({1}), expected.at("loss"), kForwardTolerance)) << "loss";
}

// Forward, loss and the gradient of every parameter against the fixture in `dir`.
void BertParity::check_forward_and_gradients(const std::string& dir) const {
  LoadedBert loaded = load(dir);
  ASSERT_TRUE(loaded.report.initialised.empty()) << loaded.report.summary();
  ASSERT_TRUE(loaded.report.unexpected.empty()) << loaded.report.summary();
  const StateDict expected = read_all(bert_fixture(dir) / "expected.safetensors");
  BertTaskModel& model = *loaded.model;
  const BertOutputs out = model.forward(fixture_inputs(expected), labels(expected));
  expect_forward_matches(out, expected);
  out.loss.backward();
  std::set<std::string> expected_grads;
  for (const auto& [name, t] : expected) {
    if (name.rfind("grad.", 0) == 0) expected_grads.insert(name.substr(5));
  }
  std::set<std::string> params;
  for (const auto& [name, p] : model.named_parameters()) {
    params.insert(name);
    ASSERT_TRUE(expected_grads.count(name)) << "no reference gradient for " << name;
    EXPECT_TRUE(close_relative(p.grad(), expected.at("grad." + name), kGradientTolerance, kGradientNoise))
        << "gradient of " << name;
  }
  EXPECT_EQ(params, expected_grads);
}

TEST_P(BertParity, SequenceClassificationForwardAndGradients) { check_forward_and_gradients("seqcls"); }

TEST_P(BertParity, TokenClassificationReluForwardAndGradients) { check_forward_and_gradients("token"); }

TEST_P(BertParity, MaskedLmTiedDecoderForwardAndGradients) { check_forward_and_gradients("mlm"); }

// HF's BertForQuestionAnswering: logits [B, T, 2], the loss the mean of the start and end
// cross-entropies with an end position past the sequence clamped to T and ignored.
TEST_P(BertParity, QuestionAnsweringForwardAndGradients) { check_forward_and_gradients("qa"); }

TEST_P(BertParity, PadTokenRowGetsNoGradient) {
  LoadedBert loaded = load("seqcls");
  const StateDict expected = read_all(bert_fixture("seqcls") / "expected.safetensors");
  const Tensor word = loaded.model->named_parameters().front().second;
  ASSERT_EQ(loaded.model->named_parameters().front().first, "bert.embeddings.word_embeddings.weight");
  loaded.model->forward(fixture_inputs(expected), labels(expected)).loss.backward();
  for (float g : word.grad().slice(0, 0, 1).to_vector<float>()) EXPECT_EQ(g, 0.0f);
  double other = 0;
  for (float g : word.grad().to_vector<float>()) other += std::abs(g);
  EXPECT_GT(other, 0.0);
}

TEST_P(BertParity, AdamWLossCurveOverTwentySteps) {
  LoadedBert loaded = load("seqcls");
  const StateDict expected = read_all(bert_fixture("seqcls") / "expected.safetensors");
  BertTaskModel& model = *loaded.model;
  model.train();
  AdamW optimizer(parameter_groups_for_weight_decay(model.named_parameters(), 0.01), 1e-3);
  const std::vector<float> reference = expected.at("adamw_losses").to_vector<float>();
  ASSERT_EQ(reference.size(), 20u);
  for (std::size_t step = 0; step < reference.size(); ++step) {
    optimizer.zero_grad();
    const Tensor loss = model.forward(fixture_inputs(expected), labels(expected)).loss;
    loss.backward();
    optimizer.step();
    EXPECT_NEAR(loss.item(), reference[step], 1e-4 * std::max(1.0, std::abs(static_cast<double>(reference[step]))))
        << "step " << step;
  }
}

TEST_P(BertParity, HfPrunedHeadsIncludingALayerWithoutHeads) {
  LoadedBert loaded = load("pruned");
  ASSERT_TRUE(loaded.report.initialised.empty()) << loaded.report.summary();
  const BertConfig& config = loaded.model->config();
  ASSERT_EQ(config.layer_shapes.size(), 2u);
  EXPECT_EQ(config.layer_shapes[0], (BertLayerShape{2, 12, 50}));
  EXPECT_EQ(config.layer_shapes[1], (BertLayerShape{0, 12, 50}));
  const StateDict params = loaded.model->state_dict();
  EXPECT_EQ(params.at("bert.encoder.layer.0.attention.self.query.weight").shape(), (Shape{24, 36}));
  EXPECT_FALSE(params.count("bert.encoder.layer.1.attention.self.query.weight"));
  EXPECT_FALSE(params.count("bert.encoder.layer.1.attention.output.dense.weight"));
  EXPECT_TRUE(params.count("bert.encoder.layer.1.attention.output.dense.bias"));

  const StateDict inputs = read_all(bert_fixture("seqcls") / "expected.safetensors");
  const StateDict expected = read_all(bert_fixture("pruned") / "expected.safetensors");
  const BertOutputs out = loaded.model->forward(fixture_inputs(inputs), labels(inputs));
  EXPECT_TRUE(close_relative(out.last_hidden_state, expected.at("last_hidden_state"), kForwardTolerance));
  EXPECT_TRUE(close_relative(out.pooler_output, expected.at("pooler_output"), kForwardTolerance));
  EXPECT_TRUE(close_relative(out.logits, expected.at("logits"), kForwardTolerance));
  EXPECT_TRUE(close_relative(out.loss.reshape({1}), expected.at("loss"), kForwardTolerance));
}

INSTANTIATE_TEST_SUITE_P(Devices, BertParity, ::testing::ValuesIn(testing::all_test_devices()),
                         testing::device_test_name);

}  // namespace
}  // namespace pare
