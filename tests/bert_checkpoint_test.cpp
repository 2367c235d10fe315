// Hugging Face directories: the same weights from model.safetensors, shards with legacy names,
// pytorch_model.bin; save_pretrained round trips; f16/bf16 weights; missing and unexpected names;
// per-layer shapes beyond HF's form; named forward outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/checkpoint.h"
#include "models/forward_outputs.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/ops.h"
#include "tests/bert_test_util.h"
#include "tests/test_support.h"  // ScratchDir, write_bytes, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::bert_fixture;
using testing::bitwise_equal;
using testing::close_relative;
using testing::error_of;
using testing::fixture_inputs;
using testing::read_all;
using testing::ScratchDir;
using testing::write_bytes;

void expect_same_parameters(const BertTaskModel& a, const BertTaskModel& b) {
  const NamedTensors pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    EXPECT_TRUE(bitwise_equal(pa[i].second, pb[i].second)) << pa[i].first;
  }
}

Tensor logits_of(BertTaskModel& model, const StateDict& expected) {
  return model.forward(fixture_inputs(expected)).logits;
}

TEST(BertCheckpoint, ShardedLegacyNamesWithoutPrefixLoadTheSameWeights) {
  LoadedBert plain = load_pretrained(bert_fixture("token"));
  LoadedBert sharded = load_pretrained(bert_fixture("token_sharded"));
  EXPECT_NE(sharded.report.source.find("model.safetensors.index.json"), std::string::npos);
  EXPECT_FALSE(sharded.report.renamed.empty());
  EXPECT_TRUE(sharded.report.unexpected.empty()) << sharded.report.summary();
  EXPECT_TRUE(sharded.report.initialised.empty()) << sharded.report.summary();
  expect_same_parameters(*plain.model, *sharded.model);
  const StateDict expected = read_all(bert_fixture("token") / "expected.safetensors");
  EXPECT_TRUE(bitwise_equal(logits_of(*plain.model, expected), logits_of(*sharded.model, expected)));
}

TEST(BertCheckpoint, PytorchBinLoadsTheSameWeights) {
  LoadedBert plain = load_pretrained(bert_fixture("token"));
  LoadedBert bin = load_pretrained(bert_fixture("token_bin"));
  EXPECT_NE(bin.report.source.find("pytorch_model.bin"), std::string::npos);
  EXPECT_TRUE(bin.report.unexpected.empty()) << bin.report.summary();
  expect_same_parameters(*plain.model, *bin.model);
  const StateDict expected = read_all(bert_fixture("token") / "expected.safetensors");
  EXPECT_TRUE(close_relative(logits_of(*bin.model, expected), expected.at("logits"), 1e-5));
}

TEST(BertCheckpoint, SavePretrainedRoundTripKeepsHfForm) {
  const StateDict expected = read_all(bert_fixture("seqcls") / "expected.safetensors");
  for (const char* name : {"seqcls", "pruned", "mlm"}) {
    SCOPED_TRACE(name);
    ScratchDir dir(name);
    LoadedBert original = load_pretrained(bert_fixture(name));
    save_pretrained(*original.model, dir.path());
    LoadedBert reloaded = load_pretrained(dir.path());
    EXPECT_TRUE(reloaded.report.initialised.empty()) << reloaded.report.summary();
    EXPECT_TRUE(reloaded.report.unexpected.empty()) << reloaded.report.summary();
    EXPECT_TRUE(reloaded.report.renamed.empty()) << reloaded.report.summary();
    expect_same_parameters(*original.model, *reloaded.model);
    EXPECT_EQ(original.model->config().to_json(), reloaded.model->config().to_json());

    std::ifstream in(dir.path() / "config.json");
    const nlohmann::json config = nlohmann::json::parse(in);
    EXPECT_FALSE(config.contains("pare_layer_shapes")) << "HF's own shapes need no pare key";
    EXPECT_EQ(config.at("model_type"), "bert");
    const SafetensorsFile st = SafetensorsFile::open(dir.path() / "model.safetensors");
    EXPECT_EQ(st.metadata().at("format"), "pt");
    EXPECT_TRUE(st.contains("bert.embeddings.word_embeddings.weight"));
    EXPECT_FALSE(st.contains("cls.predictions.decoder.weight"));  // tied: saved once, as HF does
    if (std::string(name) != "mlm") {
      EXPECT_TRUE(bitwise_equal(logits_of(*original.model, expected), logits_of(*reloaded.model, expected)));
    }
  }
}

TEST(BertCheckpoint, HalfPrecisionWeightsAreWidenedToF32) {
  const CheckpointTensors weights = read_checkpoint_tensors(bert_fixture("token"));
  for (DType dtype : {DType::f16, DType::bf16}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    ScratchDir dir;
    NamedTensors narrow;
    for (const auto& [name, t] : weights.tensors) narrow.emplace_back(name, t.to(dtype));
    save_safetensors(dir.path() / "model.safetensors", narrow);
    fs::copy_file(bert_fixture("token") / "config.json", dir.path() / "config.json");
    LoadedBert loaded = load_pretrained(dir.path());
    for (const auto& [name, p] : loaded.model->named_parameters()) {
      EXPECT_EQ(p.dtype(), DType::f32);
      EXPECT_TRUE(bitwise_equal(p, weights.tensors.at(name).to(dtype).to(DType::f32))) << name;
    }
  }
}

TEST(BertCheckpoint, MissingHeadIsInitialisedAndReportedUnexpectedNamesReported) {
  LoadOptions options;
  options.task = BertTask::sequence_classification;
  options.num_labels = 5;
  LoadedBert loaded = load_pretrained(bert_fixture("mlm"), options);
  const std::vector<std::string> initialised = {"bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias",
                                                "classifier.weight"};
  EXPECT_EQ(loaded.report.initialised, initialised);
  EXPECT_FALSE(loaded.report.unexpected.empty());
  for (const std::string& name : loaded.report.unexpected) EXPECT_EQ(name.rfind("cls.predictions.", 0), 0u) << name;
  EXPECT_EQ(loaded.model->config().num_labels(), 5);
  EXPECT_NE(loaded.report.summary().find("classifier.weight"), std::string::npos);
  // The encoder came from the checkpoint, and a base model reads the same file with "bert." stripped.
  LoadOptions base;
  base.task = BertTask::base;
  LoadedBert encoder = load_pretrained(bert_fixture("mlm"), base);
  EXPECT_TRUE(bitwise_equal(encoder.model->state_dict().at("encoder.layer.0.output.dense.weight"),
                            loaded.model->state_dict().at("bert.encoder.layer.0.output.dense.weight")));
}

TEST(BertCheckpoint, MissingEncoderWeightAndWrongShapesAreErrors) {
  const CheckpointTensors weights = read_checkpoint_tensors(bert_fixture("token"));
  ScratchDir dir;
  fs::copy_file(bert_fixture("token") / "config.json", dir.path() / "config.json");
  NamedTensors some;
  for (const auto& [name, t] : weights.tensors) {
    if (name != "bert.encoder.layer.0.intermediate.dense.weight") some.emplace_back(name, t);
  }
  save_safetensors(dir.path() / "model.safetensors", some);
  std::string error = error_of([&] { load_pretrained(dir.path()); });
  EXPECT_NE(error.find("lacks encoder weights"), std::string::npos) << error;
  EXPECT_NE(error.find("bert.encoder.layer.0.intermediate.dense.weight"), std::string::npos) << error;

  some.emplace_back("bert.encoder.layer.0.intermediate.dense.weight", Tensor::zeros({21, 12}));
  save_safetensors(dir.path() / "model.safetensors", some);
  error = error_of([&] { load_pretrained(dir.path()); });
  EXPECT_NE(error.find("does not fit the model that config.json describes"), std::string::npos) << error;
  EXPECT_NE(error.find("[21, 12]"), std::string::npos) << error;

  fs::remove(dir.path() / "model.safetensors");
  error = error_of([&] { load_pretrained(dir.path()); });
  EXPECT_NE(error.find("no weights"), std::string::npos) << error;
}

TEST(BertCheckpoint, ShardIndexNamingAFileOutsideTheDirectoryIsRefused) {
  ScratchDir dir;
  fs::copy_file(bert_fixture("token") / "config.json", dir.path() / "config.json");
  write_bytes(dir.path() / "model.safetensors.index.json", R"({"weight_map": {"x": "../model.safetensors"}})");
  const std::string error = error_of([&] { load_pretrained(dir.path()); });
  EXPECT_NE(error.find("plain file names"), std::string::npos) << error;
}

// A layer with its own head count and head size and another with neither heads nor FFN units:
// only the two output biases are left, so that layer computes LN2(LN1(x + b1) + b2).
TEST(BertCheckpoint, PerLayerShapesBeyondHfFormRoundTrip) {
  BertConfig config;
  config.vocab_size = 20;
  config.hidden_size = 10;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 2;
  config.intermediate_size = 16;
  config.max_position_embeddings = 8;
  config.layer_shapes = {{3, 4, 7}, {0, 5, 0}};
  BertModel model(config, 11);
  StateDict params = model.state_dict();
  EXPECT_EQ(params.at("encoder.layer.0.attention.self.value.weight").shape(), (Shape{12, 10}));
  EXPECT_EQ(params.at("encoder.layer.0.attention.output.dense.weight").shape(), (Shape{10, 12}));
  EXPECT_EQ(params.at("encoder.layer.0.intermediate.dense.weight").shape(), (Shape{7, 10}));
  EXPECT_FALSE(params.count("encoder.layer.1.attention.self.query.weight"));
  EXPECT_FALSE(params.count("encoder.layer.1.intermediate.dense.weight"));
  EXPECT_FALSE(params.count("encoder.layer.1.output.dense.weight"));
  Generator gen(5);
  for (const char* name : {"encoder.layer.1.attention.output.dense.bias", "encoder.layer.1.output.dense.bias"}) {
    params.at(name).copy_(Tensor::randn({10}, gen));
  }
  NoGradGuard no_grad;
  const BertInputs inputs{Tensor::from_vector<std::int64_t>({3, 7, 1, 0, 9, 2}, {2, 3}),
                          Tensor::from_vector<std::int64_t>({1, 1, 1, 1, 1, 0}, {2, 3}), Tensor()};
  model.eval();
  const BertOutputs out = model.forward(inputs);
  auto norm = [&](const Tensor& x, const std::string& prefix) {
    return layer_norm(x, params.at(prefix + ".weight"), params.at(prefix + ".bias"), config.layer_norm_eps);
  };
  const Tensor attended = norm(add(out.hidden_states[1], params.at("encoder.layer.1.attention.output.dense.bias")),
                               "encoder.layer.1.attention.output.LayerNorm");
  const Tensor expected =
      norm(add(attended, params.at("encoder.layer.1.output.dense.bias")), "encoder.layer.1.output.LayerNorm");
  EXPECT_TRUE(close_relative(out.last_hidden_state, expected, 1e-6));

  ScratchDir dir;
  save_pretrained(model, dir.path());
  std::ifstream in(dir.path() / "config.json");
  const nlohmann::json saved = nlohmann::json::parse(in);
  ASSERT_TRUE(saved.contains("pare_layer_shapes"));
  EXPECT_EQ(saved["pare_layer_shapes"][0]["head_dim"], 4);
  LoadedBert reloaded = load_pretrained(dir.path());
  EXPECT_EQ(reloaded.model->config().layer_shapes, config.layer_shapes);
  reloaded.model->eval();
  EXPECT_TRUE(bitwise_equal(reloaded.model->forward(inputs).last_hidden_state, out.last_hidden_state));
}

TEST(BertCheckpoint, NamedForwardOutputsAsPareForwardWritesThem) {
  LoadedBert loaded = load_pretrained(bert_fixture("seqcls"));
  const StateDict expected = read_all(bert_fixture("seqcls") / "expected.safetensors");
  StateDict inputs{{"input_ids", expected.at("input_ids")},
                   {"attention_mask", expected.at("attention_mask")},
                   {"token_type_ids", expected.at("token_type_ids")}};
  const NamedTensors outputs = named_forward_outputs(*loaded.model, inputs, "in.safetensors");
  std::vector<std::string> names;
  for (const auto& [name, t] : outputs) {
    names.push_back(name);
    EXPECT_FALSE(t.requires_grad()) << name;
    EXPECT_TRUE(close_relative(t, expected.at(name), 1e-5)) << name;
  }
  const std::vector<std::string> expected_names = {"last_hidden_state", "pooler_output",   "logits",
                                                   "hidden_states.0",   "hidden_states.1", "hidden_states.2"};
  EXPECT_EQ(names, expected_names);
  inputs.erase("attention_mask");
  inputs.emplace("labels", expected.at("labels"));
  const std::string error = error_of([&] { named_forward_outputs(*loaded.model, inputs, "in.safetensors"); });
  EXPECT_NE(error.find("in.safetensors: unexpected tensor \"labels\""), std::string::npos) << error;
}

// A question-answering model's two outputs under HF's names, [batch, seq] each, against PyTorch.
TEST(ForwardOutputs, QuestionAnsweringGivesStartAndEndLogits) {
  LoadedBert loaded = load_pretrained(bert_fixture("qa"));
  EXPECT_EQ(loaded.model->task(), BertTask::question_answering);
  const StateDict expected = read_all(bert_fixture("qa") / "expected.safetensors");
  const StateDict inputs{{"input_ids", expected.at("input_ids")},
                         {"attention_mask", expected.at("attention_mask")},
                         {"token_type_ids", expected.at("token_type_ids")}};
  std::vector<std::string> names;
  for (const auto& [name, t] : named_forward_outputs(*loaded.model, inputs, "in.safetensors")) {
    names.push_back(name);
    EXPECT_TRUE(close_relative(t, expected.at(name), 1e-5)) << name;
  }
  const std::vector<std::string> expected_names = {"last_hidden_state", "start_logits", "end_logits", "hidden_states.0",
                                                   "hidden_states.1"};
  EXPECT_EQ(names, expected_names);
}

}  // namespace
}  // namespace pare
