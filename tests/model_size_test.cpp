// pare inspect's numbers: parameter counts by part against a built model's own parameters, and
// FLOPs per token against a hand computation.
#include "prune/model_size.h"

#include <gtest/gtest.h>

#include "models/bert_heads.h"  // make_bert_model

namespace pare {
namespace {

// Hidden 8, two heads of 4; layer 1 has neither heads nor FFN units, layer 2 one head and 5 units.
BertConfig pruned_config() {
  BertConfig c;
  c.vocab_size = 30;
  c.hidden_size = 8;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 2;
  c.intermediate_size = 16;
  c.max_position_embeddings = 12;
  c.set_num_labels(3);
  c.layer_shapes = {{2, 4, 16}, {0, 4, 0}, {1, 4, 5}};
  return c;
}

TEST(ModelSize, PartsCountTheBuiltModelsParameters) {
  for (BertTask task :
       {BertTask::base, BertTask::sequence_classification, BertTask::token_classification, BertTask::masked_lm}) {
    SCOPED_TRACE(architecture_name(task));
    const auto model = make_bert_model(pruned_config(), task);
    ParameterCounts built;
    for (const auto& [name, p] : model->named_parameters()) {
      if (name.find("cls.") == std::string::npos && name.find("embeddings.") != std::string::npos) {
        built.embeddings += p.numel();
      } else if (name.find("encoder.") != std::string::npos) {
        built.encoder += p.numel();
      } else if (name.find("pooler.") != std::string::npos) {
        built.pooler += p.numel();
      } else {
        built.head += p.numel();
      }
    }
    const ParameterCounts counted = measure_model(pruned_config(), task).parameters;
    EXPECT_EQ(counted.embeddings, built.embeddings);
    EXPECT_EQ(counted.encoder, built.encoder);
    EXPECT_EQ(counted.pooler, built.pooler);
    EXPECT_EQ(counted.head, built.head);
  }
}

TEST(ModelSize, HandComputedCountsAndFlops) {
  const ModelSize s = measure_model(pruned_config(), BertTask::sequence_classification, 10);
  // Embeddings (30 + 12 + 2) * 8 + LayerNorm 16. Layer 0: Q, K, V 3 * (8*8 + 8), output 8*8 + 8, FFN
  // 8*16 + 16 + 16*8 + 8, LayerNorms 32 = 600; layer 1: two biases and LayerNorms = 48; layer 2:
  // 3 * (8*4 + 4) + 4*8 + 8 + 8*5 + 5 + 5*8 + 8 + 32 = 273.
  EXPECT_EQ(s.parameters.embeddings, 368);
  EXPECT_EQ(s.parameters.encoder, 600 + 48 + 273);
  EXPECT_EQ(s.parameters.pooler, 72);
  EXPECT_EQ(s.parameters.head, 27);
  // Layer 0 (w = 8, f = 16, T = 10): 2*8*24 + 4*10*8 + 2*8*8 + 4*8*16 = 1344; layer 1: 0; layer 2
  // (w = 4, f = 5): 2*8*12 + 4*10*4 + 2*4*8 + 4*8*5 = 576. Pooler 2*8*8 / 10, classifier 2*8*3 / 10.
  EXPECT_DOUBLE_EQ(s.encoder_flops_per_token, 1920.0);
  EXPECT_DOUBLE_EQ(s.flops_per_token, 1920.0 + 12.8 + 4.8);

  BertConfig full = pruned_config();
  full.reset_layer_shapes();
  const ModelSize original = measure_model(full, BertTask::sequence_classification, 10);
  const nlohmann::json j = model_size_json(s, &original);
  EXPECT_EQ(j["layers"][2]["heads"], 1);
  EXPECT_EQ(j["original"]["layers"][2]["heads"], 2);
  EXPECT_EQ(j["parameters"]["total"], 368 + 921 + 72 + 27);
  EXPECT_DOUBLE_EQ(j["ratios"]["encoder"].get<double>(), 921.0 / original.parameters.encoder);
  EXPECT_DOUBLE_EQ(j["ratios"]["flops_per_token"].get<double>(), s.flops_per_token / original.flops_per_token);
  EXPECT_NE(model_size_text(s, &original).find("ratio"), std::string::npos);
}

}  // namespace
}  // namespace pare
