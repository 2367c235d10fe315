// Int8 models (models/int8_model.h, prune/quantize_directory.h): the fixture quantized agrees with
// its f32 self and with PyTorch's logits within a stated tolerance; quantize -> save -> load is
// bit-exact; pruned and hidden-pruned shapes quantize and run; --keep-f32; the masked-LM head keeps
// its tied embeddings f32; damaged directories are refused naming the tensor; training refuses an
// int8 model; the host-guarded device runs one without host reads.
#include "models/int8_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "models/checkpoint.h"
#include "prune/quantize_directory.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/io/safetensors.h"
#include "runtime/optim/adamw.h"
#include "runtime/transfer.h"
#include "tests/bert_test_util.h"
#include "tests/child_process.h"  // run_pare_capturing
#include "tests/devices.h"
#include "tests/random_bert.h"
#include "tests/test_support.h"
#include "tests/tiny_prune_job.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::bert_fixture;
using testing::bitwise_equal;
using testing::close_relative;
using testing::error_of;
using testing::fixture_inputs;
using testing::has;
using testing::read_all;
using testing::ScratchDir;

// int8 against f32 logits, as a share of the largest: each weight and activation lies within half a
// level (1/254 of its row's largest value) of its f32 value, about 0.85% relative noise per layer
// for these random weights. On the fixture each of the 14 int8 modules alone moves the logits by
// 0.4-1.3% of the largest, all of them together by 3.9%. Task accuracy is measured in bench/.
constexpr double kInt8Tolerance = 0.06;

Tensor logits(const BertTaskModel& model, const BertInputs& inputs) {
  const NoGradGuard no_grad;
  return model.forward(inputs).logits;
}

TEST(Int8Model, FixtureAgreesWithF32AndWithPytorch) {
  const LoadedBert loaded = load_pretrained(bert_fixture("seqcls"));
  loaded.model->eval();
  const StateDict expected = read_all(bert_fixture("seqcls") / "expected.safetensors");
  const auto int8 = quantize_model(*loaded.model);
  ASSERT_TRUE(int8->config().quantization.has_value());
  const Tensor got = logits(*int8, fixture_inputs(expected));
  EXPECT_TRUE(close_relative(got, logits(*loaded.model, fixture_inputs(expected)), kInt8Tolerance));
  EXPECT_TRUE(close_relative(got, expected.at("logits"), kInt8Tolerance));
  EXPECT_FALSE(bitwise_equal(got, expected.at("logits"))) << "the int8 path did not run";
}

TEST(Int8Model, SaveAndLoadGiveTheSameBitsAndTheSchemeInConfigJson) {
  ScratchDir dir;
  const LoadedBert loaded = load_pretrained(bert_fixture("seqcls"));
  const auto int8 = quantize_model(*loaded.model);
  save_pretrained(*int8, dir.path());
  const LoadedBert reloaded = load_pretrained(dir.path());
  EXPECT_TRUE(reloaded.report.initialised.empty()) << reloaded.report.summary();
  EXPECT_TRUE(reloaded.report.unexpected.empty()) << reloaded.report.summary();
  const NamedTensors a = int8->named_parameters(), b = reloaded.model->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(testing::bytes_of(a[i].second), testing::bytes_of(b[i].second)) << a[i].first;
    EXPECT_EQ(a[i].second.dtype(), b[i].second.dtype()) << a[i].first;
  }
  const StateDict expected = read_all(bert_fixture("seqcls") / "expected.safetensors");
  int8->eval();
  reloaded.model->eval();
  EXPECT_TRUE(
      bitwise_equal(logits(*int8, fixture_inputs(expected)), logits(*reloaded.model, fixture_inputs(expected))));

  const SafetensorsFile st = SafetensorsFile::open(dir.path() / "model.safetensors");
  for (const char* name :
       {"bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.1.output.dense.weight",
        "bert.pooler.dense.weight", "bert.embeddings.word_embeddings.weight"}) {
    EXPECT_EQ(st.info(name).dtype, DType::i8) << name;
    EXPECT_EQ(st.info(std::string(name) + "_scale").dtype, DType::f32) << name;
  }
  for (const char* name : {"bert.encoder.layer.0.attention.self.query.bias", "bert.embeddings.LayerNorm.weight",
                           "bert.embeddings.position_embeddings.weight", "classifier.weight"}) {
    EXPECT_EQ(st.info(name).dtype, DType::f32) << name;
    EXPECT_FALSE(st.contains(std::string(name) + "_scale")) << name;
  }
  std::ifstream in(dir.path() / "config.json");
  const nlohmann::json config = nlohmann::json::parse(in);
  EXPECT_EQ(config.at("quantization").at("method"), "int8");
  EXPECT_EQ(config.at("quantization").at("weights"), "symmetric, one scale per output channel");
  EXPECT_EQ(config.at("quantization").at("activations"), "dynamic, symmetric, one scale per row");
}

// Shapes as speed-up surgery leaves them: layers with different heads and FFN units, one with none
// of either, and (hidden-pruned) a residual stream narrower than its LayerNorm width.
BertConfig pruned_config(bool hidden_pruned) {
  BertConfig c = testing::small_random_config(3);
  c.layer_shapes = {{1, 4, 5}, {0, 4, 0}, {3, 4, 12}};
  if (hidden_pruned) {
    c.hidden_size = 11;
    c.pare_layer_norm_size = 16;
  }
  return c;
}

TEST(Int8Model, PrunedAndHiddenPrunedModelsQuantizeAndRun) {
  for (bool hidden_pruned : {false, true}) {
    SCOPED_TRACE(hidden_pruned ? "hidden-pruned" : "heads and FFN pruned");
    const auto f32 = testing::random_bert_model(pruned_config(hidden_pruned), BertTask::sequence_classification, 1, 2);
    const auto int8 = quantize_model(*f32);
    // The layer without heads or units keeps its output biases alone, f32.
    for (const std::string& name : int8_candidates(*f32)) EXPECT_FALSE(has(name, "layer.1."));
    const BertInputs inputs = testing::padded_random_inputs(3);
    EXPECT_TRUE(close_relative(logits(*int8, inputs), logits(*f32, inputs), kInt8Tolerance));
    ScratchDir dir;
    save_pretrained(*int8, dir.path());
    const LoadedBert reloaded = load_pretrained(dir.path());
    reloaded.model->eval();
    EXPECT_TRUE(bitwise_equal(logits(*reloaded.model, inputs), logits(*int8, inputs)));
  }
}

TEST(Int8Model, KeptLayersStayF32AndTheConfigSaysWhich) {
  const auto f32 = testing::random_bert_model(testing::small_random_config(2), BertTask::sequence_classification, 1, 2);
  const auto int8 = quantize_model(*f32, {{"bert.encoder.layer.1.output.dense", "bert.embeddings.word_embeddings"}});
  const BertQuantization& q = *int8->config().quantization;
  EXPECT_EQ(q.kept_f32, std::vector<std::string>{"encoder.layer.1.output.dense"});
  EXPECT_FALSE(q.word_embeddings);
  const StateDict params = int8->state_dict();
  EXPECT_EQ(params.at("bert.encoder.layer.1.output.dense.weight").dtype(), DType::f32);
  EXPECT_EQ(params.at("bert.embeddings.word_embeddings.weight").dtype(), DType::f32);
  EXPECT_EQ(params.at("bert.encoder.layer.0.output.dense.weight").dtype(), DType::i8);
  EXPECT_FALSE(params.count("bert.encoder.layer.1.output.dense.weight_scale"));
  ScratchDir dir;
  save_pretrained(*int8, dir.path());
  EXPECT_EQ(load_pretrained(dir.path()).model->config().quantization, q);
  EXPECT_TRUE(has(error_of([&] { (void)quantize_model(*f32, {{"bert.encoder.layer.1.output.LayerNorm"}}); }),
                  "is not a module quantize makes int8"));
}

TEST(Int8Model, ErrorsByModuleCoverEveryCandidateLargestFirst) {
  const LoadedBert loaded = load_pretrained(bert_fixture("seqcls"));
  loaded.model->eval();
  const StateDict expected = read_all(bert_fixture("seqcls") / "expected.safetensors");
  const std::vector<Int8ModuleError> errors = int8_errors_by_module(*loaded.model, fixture_inputs(expected));
  ASSERT_EQ(errors.size(), int8_candidates(*loaded.model).size());
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_GT(errors[i].relative_error, 0.0) << errors[i].module;
    EXPECT_LT(errors[i].relative_error, kInt8Tolerance) << errors[i].module;
    if (i > 0) {
      EXPECT_GE(errors[i - 1].relative_error, errors[i].relative_error);
    }
  }
  // The model itself is left as it was: still f32 and giving the same logits.
  EXPECT_FALSE(loaded.model->config().quantization.has_value());
  EXPECT_TRUE(close_relative(logits(*loaded.model, fixture_inputs(expected)), expected.at("logits"), 1e-5));
}

TEST(Int8Model, MaskedLmKeepsItsTiedWordEmbeddingsF32) {
  const LoadedBert mlm = load_pretrained(bert_fixture("mlm"));
  const auto int8 = quantize_model(*mlm.model);
  EXPECT_FALSE(int8->config().quantization->word_embeddings);
  EXPECT_EQ(int8->state_dict().at("bert.embeddings.word_embeddings.weight").dtype(), DType::f32);
  ScratchDir dir;
  save_pretrained(*int8, dir.path());
  EXPECT_TRUE(load_pretrained(dir.path()).report.initialised.empty());
}

// An int8 directory written from the fixture, whose tensors a test then damages.
class DamagedInt8 : public ::testing::Test {
 protected:
  void SetUp() override {
    const LoadedBert loaded = load_pretrained(bert_fixture("seqcls"));
    save_pretrained(*quantize_model(*loaded.model), dir_.path());
    original_ = read_all(dir_.path() / "model.safetensors");
  }
  // Rewrites model.safetensors as quantize wrote it with `change` applied; returns load_pretrained's error.
  std::string load_after(const std::function<void(NamedTensors&)>& change) {
    NamedTensors tensors(original_.begin(), original_.end());
    change(tensors);
    save_safetensors(dir_.path() / "model.safetensors", tensors);
    return error_of([&] { (void)load_pretrained(dir_.path()); });
  }
  static void set(NamedTensors& tensors, const std::string& name, const Tensor& value) {
    for (auto& [n, t] : tensors) {
      if (n == name) t = value;
    }
  }
  ScratchDir dir_;
  StateDict original_;
};

TEST_F(DamagedInt8, ScalesThatAreNanZeroNegativeMissingOrMisshapedAreRefusedByName) {
  const std::string scale = "bert.encoder.layer.1.attention.self.key.weight_scale";
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), 0.0f, -0.5f, std::numeric_limits<float>::infinity()}) {
    const std::string error = load_after([&](NamedTensors& t) {
      std::vector<float> values(36, 0.01f);
      values[7] = bad;
      set(t, scale, Tensor::from_vector(values, {36}));
    });
    EXPECT_TRUE(has(error, "\"" + scale + "\"")) << error;
    EXPECT_TRUE(has(error, "at row 7; every int8 scale must be finite and positive")) << error;
  }
  std::string error = load_after([&](NamedTensors& t) { set(t, scale, Tensor::ones({35})); });
  EXPECT_TRUE(has(error, scale)) << error;
  EXPECT_TRUE(has(error, "[35]")) << error;
  error = load_after([&](NamedTensors& t) { std::erase_if(t, [&](const auto& e) { return e.first == scale; }); });
  EXPECT_TRUE(has(error, scale)) << error;
  const std::string pooler = "bert.pooler.dense.weight_scale";
  error = load_after([&](NamedTensors& t) { std::erase_if(t, [&](const auto& e) { return e.first == pooler; }); });
  EXPECT_TRUE(has(error, "the int8 model lacks tensor \"" + pooler + "\"")) << error;
}

TEST_F(DamagedInt8, WeightsOfTheWrongTypeAreRefusedByName) {
  const std::string weight = "bert.encoder.layer.0.intermediate.dense.weight";
  std::string error = load_after([&](NamedTensors& t) { set(t, weight, Tensor::zeros({50, 36})); });
  EXPECT_TRUE(has(error, "\"" + weight + "\" has dtype F32; config.json's \"quantization\" makes it an int8 weight"))
      << error;
  // An int8 weight in a directory whose config.json does not say it is int8.
  const LoadedBert f32 = load_pretrained(bert_fixture("seqcls"));
  save_pretrained(*f32.model, dir_.path());
  original_ = read_all(dir_.path() / "model.safetensors");
  error = load_after([&](NamedTensors& t) { set(t, weight, Tensor::zeros({50, 36}, DType::i8)); });
  EXPECT_TRUE(has(error, "\"" + weight + "\" has dtype I8; config.json does not make it an int8 weight")) << error;
}

TEST(Int8Model, TrainingAnInt8ModelIsRefusedSayingWhatToDo) {
  const LoadedBert loaded = load_pretrained(bert_fixture("seqcls"));
  const auto int8 = quantize_model(*loaded.model);
  const std::string error = error_of([&] { check_not_int8(int8->config(), "dir", "fine-tuning"); });
  EXPECT_TRUE(has(error, "dir: an int8 model")) << error;
  EXPECT_TRUE(has(error, "fine-tuning needs the f32 model it was quantized from")) << error;
  EXPECT_TRUE(has(error_of([&] { (void)quantize_model(*int8); }), "an int8 model")) << "quantized twice";
  const std::string adamw =
      error_of([&] { AdamW optimizer(parameter_groups_for_weight_decay(int8->named_parameters(), 0.01), 1e-3); });
  EXPECT_TRUE(has(adamw, "must have dtype F32, got I8")) << adamw;
}

TEST(Int8Model, QuantizeDirectoryCopiesTheTokenizerAndRefusesAPatternThatMatchesNothing) {
  ScratchDir dir;
  const fs::path model = dir.path() / "f32";
  save_pretrained(*load_pretrained(bert_fixture("seqcls")).model, model);
  std::ofstream(model / "vocab.txt") << "[PAD]\n[UNK]\n";
  const QuantizeDirectoryResult result =
      quantize_directory(model, dir.path() / "int8", {{"bert\\.encoder\\.layer\\.1\\.attention\\..*"}});
  EXPECT_TRUE(fs::exists(dir.path() / "int8" / "vocab.txt"));
  EXPECT_EQ(result.kept_f32.size(), 4u);  // query, key, value, attention output
  EXPECT_EQ(result.int8_modules.size(), 2u * 6 + 2 - 4);
  // Hidden 36: a scale per row of 36 int8 values costs a tenth of it again; BERT's sizes are in bench.
  EXPECT_LT(result.bytes_after, result.bytes_before * 0.6);
  const std::string error = error_of([&] { (void)quantize_directory(model, dir.path() / "other", {{"bert.pooler"}}); });
  EXPECT_TRUE(has(error, "--keep-f32 \"bert.pooler\" matches none of the 14 modules")) << error;
  EXPECT_FALSE(fs::exists(dir.path() / "other"));
  EXPECT_TRUE(
      has(error_of([&] { (void)quantize_directory(dir.path() / "int8", dir.path() / "again"); }), "an int8 model"));
}

// The commands as a user runs them: quantize with the dev-split check, then eval, bench and
// inspect on the int8 directory, and finetune refusing it.
TEST(Int8Commands, QuantizeChecksBothModelsAndTheOtherCommandsTakeTheResult) {
  ScratchDir dir;
  const testing::TinyPruneJob job(dir.path());
  const std::string user = " --dev " + (dir.path() / "train.tsv").string() + " --train " +
                           (dir.path() / "train.tsv").string() + " --text-column sentence --label-column label";
  const fs::path int8 = dir.path() / "int8";
  testing::CommandOutcome out = testing::run_pare_capturing("quantize --model " + job.model().string() + " --out " +
                                                            int8.string() + user + " --seq 16");
  ASSERT_EQ(out.status, 0) << out.output;
  const nlohmann::json report = nlohmann::json::parse(out.output.substr(out.output.find('{')));
  EXPECT_EQ(report.at("int8_modules"), 14);
  EXPECT_EQ(report.at("largest_int8_errors").size(), 5u);
  const nlohmann::json& check = report.at("check");
  EXPECT_NEAR(check.at("int8").at("accuracy").get<double>(), check.at("f32").at("accuracy").get<double>(), 0.1);
  EXPECT_TRUE(fs::exists(int8 / "vocab.txt"));

  // A task the check cannot read is refused before anything is written.
  out = testing::run_pare_capturing("quantize --model " + job.model().string() + " --out " +
                                    (dir.path() / "never").string() + " --task nosuch");
  EXPECT_EQ(out.status, 2) << out.output;
  EXPECT_TRUE(has(out.output, "unknown task 'nosuch'")) << out.output;
  EXPECT_FALSE(fs::exists(dir.path() / "never"));

  out = testing::run_pare_capturing("eval --model " + int8.string() + user + " --seq 16");
  EXPECT_EQ(out.status, 0) << out.output;
  EXPECT_TRUE(has(out.output, "\"accuracy\": " + check.at("int8").at("accuracy").dump())) << out.output;
  out = testing::run_pare_capturing("bench --model " + int8.string() + " --steps 1 --warmup 0 --seq 8");
  EXPECT_EQ(out.status, 0) << out.output;
  EXPECT_TRUE(has(out.output, "\"weights\": \"int8\"")) << out.output;
  out = testing::run_pare_capturing("inspect --model " + int8.string());
  EXPECT_EQ(out.status, 0) << out.output;
  EXPECT_TRUE(has(out.output, "weights: int8")) << out.output;
  out = testing::run_pare_capturing("finetune --model " + int8.string() + user + " --out " +
                                    (dir.path() / "ft").string() + " --steps 1");
  EXPECT_EQ(out.status, 2) << out.output;  // bad input (cli/main.cpp)
  EXPECT_TRUE(has(out.output,
                  "an int8 model (config.json \"quantization\"); fine-tuning, pruning or distilling "
                  "needs the f32 model"))
      << out.output;
  EXPECT_FALSE(fs::exists(dir.path() / "ft"));
}

class Int8ModelOnDevice : public ::testing::TestWithParam<Device> {};

TEST_P(Int8ModelOnDevice, ForwardKeepsItsTensorsOnTheDevice) {
  const Device device = GetParam();
  if (device.is_cuda()) GTEST_SKIP() << "no int8 kernels on CUDA yet (Int8OnDevice checks the refusal)";
  const auto f32 = testing::random_bert_model(pruned_config(true), BertTask::sequence_classification, 1, 2);
  const auto int8 = quantize_model(*f32);
  const BertInputs inputs = testing::padded_random_inputs(4);
  const Tensor want = logits(*int8, inputs);
  int8->to(device);
  const BertInputs moved{inputs.input_ids.to(device), inputs.attention_mask.to(device),
                         inputs.token_type_ids.to(device)};
  reset_transfer_stats();
  const Tensor got = logits(*int8, moved);
  EXPECT_EQ(transfer_stats().to_host, 0u);
  testing::expect_matches_cpu(got, want, device, "int8 logits");
}

INSTANTIATE_TEST_SUITE_P(Devices, Int8ModelOnDevice, ::testing::ValuesIn(testing::non_cpu_test_devices()),
                         testing::device_test_name);

}  // namespace
}  // namespace pare
