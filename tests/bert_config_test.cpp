// BertConfig: HF fields and defaults, per-layer shapes, and errors that name the file and field;
// the regression and multi-label paths of the sequence head.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "models/bert_heads.h"
#include "tests/bert_test_util.h"
#include "tests/test_support.h"  // error_of

namespace pare {
namespace {

using nlohmann::json;

using testing::error_of;

json small_config() {
  return json{{"model_type", "bert"},         {"vocab_size", 20},           {"hidden_size", 8},
              {"num_hidden_layers", 2},       {"num_attention_heads", 2},   {"intermediate_size", 12},
              {"max_position_embeddings", 8}, {"hidden_dropout_prob", 0.0}, {"attention_probs_dropout_prob", 0.0}};
}

TEST(BertConfig, ReadsHfFieldsAndKeepsUnknownKeys) {
  const BertConfig c = BertConfig::load(testing::bert_fixture("seqcls"));
  EXPECT_EQ(c.hidden_size, 36);
  EXPECT_EQ(c.num_labels(), 3);
  EXPECT_EQ(c.id2label.at(2), "LABEL_2");
  EXPECT_EQ(c.layer_shapes, (std::vector<BertLayerShape>{{3, 12, 50}, {3, 12, 50}}));
  EXPECT_EQ(c.extra.at("torch_dtype"), "float32");
  EXPECT_EQ(c.to_json().at("torch_dtype"), "float32");
  EXPECT_EQ(BertConfig::from_json(c.to_json()).to_json(), c.to_json());
}

TEST(BertConfig, DefaultsAndActivations) {
  json j = small_config();
  BertConfig c = BertConfig::from_json(j);
  EXPECT_EQ(c.num_labels(), 2);  // HF's default
  EXPECT_EQ(c.activation(), BertActivation::gelu);
  EXPECT_EQ(c.layer_norm_eps, 1e-12);
  EXPECT_EQ(c.type_vocab_size, 2);
  for (const char* tanh_form : {"gelu_new", "gelu_pytorch_tanh"}) {
    j["hidden_act"] = tanh_form;
    EXPECT_EQ(BertConfig::from_json(j).activation(), BertActivation::gelu_tanh);
  }
  j["hidden_act"] = "relu";
  EXPECT_EQ(BertConfig::from_json(j).activation(), BertActivation::relu);
  j.erase("hidden_act");
  j["num_labels"] = 4;
  EXPECT_EQ(BertConfig::from_json(j).num_labels(), 4);
}

TEST(BertConfig, PrunedHeadsAndPerLayerShapes) {
  json j = small_config();
  j["pruned_heads"] = {{"1", {0}}};
  BertConfig c = BertConfig::from_json(j);
  EXPECT_EQ(c.layer_shapes, (std::vector<BertLayerShape>{{2, 4, 12}, {1, 4, 12}}));
  EXPECT_FALSE(c.to_json().contains("pare_layer_shapes"));
  c.layer_shapes[0].ffn_dim = 5;
  const json saved = c.to_json();
  ASSERT_TRUE(saved.contains("pare_layer_shapes"));
  EXPECT_EQ(BertConfig::from_json(saved).layer_shapes, c.layer_shapes);
  // A hidden size no head count divides is fine once every layer's shape is given.
  j = small_config();
  j["hidden_size"] = 9;
  j["pare_layer_shapes"] =
      json::array({{{"heads", 2}, {"head_dim", 3}, {"ffn_dim", 4}}, {{"heads", 0}, {"head_dim", 3}, {"ffn_dim", 0}}});
  EXPECT_EQ(BertConfig::from_json(j).layer_shapes[1], (BertLayerShape{0, 3, 0}));
}

TEST(BertConfig, ErrorsNameTheFileAndTheField) {
  struct Case {
    const char* field;
    json value;
  };
  const std::vector<Case> cases = {
      {"hidden_act", "swish"},
      {"hidden_size", 7},  // not a multiple of 2 heads
      {"hidden_size", "768"},
      {"num_hidden_layers", -1},
      {"hidden_dropout_prob", 1.5},
      {"pad_token_id", 20},
      {"pruned_heads", {{"5", {0}}}},
      {"pruned_heads", {{"0", {2}}}},
      {"pruned_heads", {{"x", {0}}}},
      {"id2label", {{"0", "a"}, {"2", "b"}}},
      {"problem_type", "ranking"},
      {"position_embedding_type", "relative_key"},
      {"model_type", "gpt2"},
      {"pare_layer_shapes", json::array({{{"heads", 1}, {"head_dim", 4}, {"ffn_dim", 3}}})},
      {"architectures", "BertModel"},
  };
  for (const Case& c : cases) {
    json j = small_config();
    j[c.field] = c.value;
    const std::string error = error_of([&] { BertConfig::from_json(j, "dir/config.json"); });
    EXPECT_NE(error.find("dir/config.json"), std::string::npos) << c.field << ": " << error;
    EXPECT_NE(error.find(c.field), std::string::npos) << c.field << ": " << error;
  }
  EXPECT_NE(error_of([] { BertConfig::load("/nonexistent/model"); }).find("/nonexistent/model/config.json"),
            std::string::npos);
  json j = small_config();
  j["architectures"] = {"GPT2LMHeadModel"};
  const BertConfig c = BertConfig::from_json(j);
  EXPECT_NE(error_of([&] { task_from_architectures(c.architectures, "x/config.json"); }).find("GPT2LMHeadModel"),
            std::string::npos);
}

BertInputs three_sequences() {
  return BertInputs{Tensor::from_vector<std::int64_t>({1, 2, 3, 4, 5, 0, 6, 7, 8}, {3, 3}), Tensor(), Tensor()};
}

TEST(BertHeads, RegressionIsMeanSquaredErrorOfTheSingleLogit) {
  BertConfig c = BertConfig::from_json(small_config());
  c.set_num_labels(1);
  BertForSequenceClassification model(c, 3);
  ASSERT_TRUE(model.is_regression());
  const Tensor targets = Tensor::from_vector<float>({0.5f, -1.0f, 2.0f}, {3});
  const BertOutputs out = model.forward(three_sequences(), targets);
  const std::vector<float> logits = out.logits.to_vector<float>();
  ASSERT_EQ(logits.size(), 3u);
  const double expected = ((logits[0] - 0.5) * (logits[0] - 0.5) + (logits[1] + 1.0) * (logits[1] + 1.0) +
                           (logits[2] - 2.0) * (logits[2] - 2.0)) /
                          3.0;
  EXPECT_NEAR(out.loss.item(), expected, 1e-6);
}

TEST(BertHeads, LabelErrorsAreClear) {
  BertConfig c = BertConfig::from_json(small_config());
  c.set_num_labels(3);
  BertForSequenceClassification classifier(c, 3);
  std::string error = error_of([&] {
    classifier.forward(three_sequences(), Tensor::from_vector<std::int64_t>({0, 3, 1}, {3}));
  });
  EXPECT_NE(error.find("target 3 at row 1 out of range for 3 classes"), std::string::npos) << error;
  error = error_of([&] { classifier.forward(three_sequences(), Tensor::from_vector<float>({0, 1, 1}, {3})); });
  EXPECT_NE(error.find("multi-label"), std::string::npos) << error;
  BertForTokenClassification tagger(c, 3);
  error = error_of([&] { tagger.forward(three_sequences(), Tensor::from_vector<std::int64_t>({0, 1, 2}, {3})); });
  EXPECT_NE(error.find("labels of shape [3] must be [3, 3]"), std::string::npos) << error;
  BertModel base(c, 3);
  error = error_of([&] {
    base.forward(
        BertInputs{Tensor::from_vector<std::int64_t>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 9}), Tensor(), Tensor()});
  });
  EXPECT_NE(error.find("max_position_embeddings"), std::string::npos) << error;
  error = error_of([&] {
    base.forward(BertInputs{Tensor::from_vector<std::int64_t>({1, 25}, {1, 2}), Tensor(), Tensor()});
  });
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace pare
