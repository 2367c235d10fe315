// Weights against config.json (models/weight_fit.h): the shapes computed from a config equal a built
// model's; a config that accounts for fewer layers, heads or FFN units than the checkpoint holds is
// refused naming the tensor, its shape and the config field, by load_pretrained and by `pare inspect`
// alike, while the extra tensors Hugging Face checkpoints legitimately carry are still accepted.
#include "models/weight_fit.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/bert_heads.h"  // make_bert_model
#include "models/checkpoint.h"
#include "tests/bert_test_util.h"  // bert_fixture
#include "tests/test_support.h"    // ScratchDir, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::bert_fixture;
using testing::error_of;
using testing::ScratchDir;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The seqcls fixture (2 layers, 3 heads of 12, FFN 50) with config.json edited by `edit`.
fs::path fixture_with_config(const ScratchDir& dir, const std::function<void(nlohmann::json&)>& edit) {
  fs::copy_file(bert_fixture("seqcls") / "model.safetensors", dir.path() / "model.safetensors");
  nlohmann::json config = nlohmann::json::parse(std::ifstream(bert_fixture("seqcls") / "config.json"));
  edit(config);
  std::ofstream(dir.path() / "config.json") << config.dump(2);
  return dir.path();
}

// `pare inspect --model dir`: exit status and output.
std::pair<int, std::string> inspect(const fs::path& dir) {
  const std::string command = std::string(PARE_BINARY) + " inspect --model " + dir.string() + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[512];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(WeightFit, ShapesFromTheConfigEqualTheBuiltModels) {
  BertConfig config;
  config.vocab_size = 30;
  config.hidden_size = 8;
  config.num_hidden_layers = 3;
  config.num_attention_heads = 2;
  config.intermediate_size = 16;
  config.max_position_embeddings = 12;
  config.set_num_labels(3);
  config.layer_shapes = {{2, 4, 16}, {0, 4, 0}, {1, 5, 5}};
  for (BertTask task :
       {BertTask::base, BertTask::sequence_classification, BertTask::token_classification, BertTask::masked_lm}) {
    SCOPED_TRACE(architecture_name(task));
    WeightShapes built;
    for (const auto& [name, t] : make_bert_model(config, task)->state_dict()) built.emplace(name, t.shape());
    EXPECT_EQ(bert_weight_shapes(config, task), built);
  }
}

TEST(WeightFit, ConfigWithFewerLayersThanTheWeightsIsRefusedByLoadAndInspect) {
  const ScratchDir dir;
  const fs::path model = fixture_with_config(dir, [](nlohmann::json& c) { c["num_hidden_layers"] = 1; });
  const std::string error = error_of([&] { load_pretrained(model); });
  EXPECT_TRUE(has(error, "model.safetensors: tensor \"bert.encoder.layer.1.")) << error;
  EXPECT_TRUE(has(error, "(num_hidden_layers = 1)")) << error;
  EXPECT_TRUE(has(error, "the config does not account for the checkpoint's weights")) << error;
  const auto [status, output] = inspect(model);
  EXPECT_EQ(status, 2) << output;
  EXPECT_TRUE(has(output, "tensor \"bert.encoder.layer.1.")) << output;
  EXPECT_TRUE(has(output, "(num_hidden_layers = 1)")) << output;
}

TEST(WeightFit, LayerShapesWithFewerHeadsOrUnitsNameTheField) {
  const auto shapes = [](std::int64_t heads, std::int64_t ffn) {
    return [=](nlohmann::json& c) {
      c["pare_layer_shapes"] = {{{"heads", heads}, {"head_dim", 12}, {"ffn_dim", ffn}},
                                {{"heads", 3}, {"head_dim", 12}, {"ffn_dim", 50}}};
    };
  };
  const std::pair<std::function<void(nlohmann::json&)>, std::vector<std::string>> cases[] = {
      {shapes(2, 50),
       {"tensor \"bert.encoder.layer.0.attention.output.dense.weight\" [36, 36] does not fit",
        "whose tensor is [36, 24] (pare_layer_shapes[0] heads = 2, head_dim = 12, hidden_size = 36)"}},
      // A layer without heads has no Q, K, V: the checkpoint's were dropped before.
      {shapes(0, 50),
       {"tensor \"bert.encoder.layer.0.attention.output.dense.weight\" [36, 36] has no place",
        "(pare_layer_shapes[0] heads = 0, head_dim = 12, hidden_size = 36)"}},
      {shapes(3, 0), {"tensor \"bert.encoder.layer.0.intermediate.dense.", "(pare_layer_shapes[0] ffn_dim = 0"}},
      {[](nlohmann::json& c) { c["intermediate_size"] = 40; },
       {"tensor \"bert.encoder.layer.0.intermediate.dense.bias\" [50] does not fit",
        "is [40] (intermediate_size = 40, hidden_size = 36)"}},
  };
  for (const auto& [edit, parts] : cases) {
    const ScratchDir dir;
    const fs::path model = fixture_with_config(dir, edit);
    const std::string error = error_of([&] { load_pretrained(model); });
    const auto [status, output] = inspect(model);
    EXPECT_EQ(status, 2) << output;
    for (const std::string& part : parts) {
      EXPECT_TRUE(has(error, part)) << part << "\n" << error;
      EXPECT_TRUE(has(output, part)) << part << "\n" << output;
    }
  }
}

// Another task's head and a pooler the model has no place for are what a pretraining or fine-tuned
// checkpoint carries: reported as ignored, not refused. inspect accepts the checkpoints as saved.
TEST(WeightFit, OtherHeadsAndPoolersAreStillAccepted) {
  LoadOptions token;
  token.task = BertTask::token_classification;
  const LoadedBert from_seqcls = load_pretrained(bert_fixture("seqcls"), token);
  EXPECT_EQ(from_seqcls.report.unexpected,
            (std::vector<std::string>{"bert.pooler.dense.bias", "bert.pooler.dense.weight"}));
  LoadOptions base;
  base.task = BertTask::base;
  EXPECT_NO_THROW(load_pretrained(bert_fixture("mlm"), base));
  for (const char* name : {"seqcls", "pruned", "mlm", "token_sharded", "token_bin"}) {
    const auto [status, output] = inspect(bert_fixture(name));
    EXPECT_EQ(status, 0) << name << "\n" << output;
  }
}

}  // namespace
}  // namespace pare
