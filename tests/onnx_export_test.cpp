// pare export (export/bert_onnx.h, run as pare-onnx-export): every kind of model directory pare reads or
// writes becomes an ONNX model that ONNX's checker accepts with full shape inference (the exporter
// checks each one before writing) and that ONNX Runtime (npm onnxruntime-node, export/onnxruntime_run.js)
// runs to pare forward's outputs on the same padded batch within 1e-4. Skips, saying why, where
// Node.js is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "models/checkpoint.h"  // save_pretrained
#include "prune/quantize_directory.h"
#include "runtime/io/safetensors.h"
#include "tests/bert_test_util.h"
#include "tests/child_process.h"
#include "tests/random_bert.h"
#include "tests/test_support.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::has;
using testing::ScratchDir;

bool have_node() { return std::system("node --version > /dev/null 2>&1") == 0; }

#ifdef PARE_HAVE_ONNX
#define SKIP_WITHOUT_ONNX()
#else
#define SKIP_WITHOUT_ONNX() GTEST_SKIP() << "pare was built without libonnx (apt-get install libonnx-dev)"
#endif

// Three sequences of 7 ids below `vocab` with 0, 2 and 5 padding positions; token types 0 then 1.
StateDict padded_inputs(std::int64_t vocab) {
  std::mt19937 rng(27);
  std::vector<std::int64_t> ids, mask, types;
  const std::int64_t batch = 3, seq = 7;
  const std::int64_t padding[] = {0, 2, 5};
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t t = 0; t < seq; ++t) {
      const bool real = t < seq - padding[b];
      ids.push_back(real ? 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint32_t>(vocab - 1)) : 0);
      mask.push_back(real ? 1 : 0);
      types.push_back(real && t >= 3 ? 1 : 0);
    }
  }
  const Shape shape{batch, seq};
  return {{"input_ids", Tensor::from_vector(ids, shape)},
          {"attention_mask", Tensor::from_vector(mask, shape)},
          {"token_type_ids", Tensor::from_vector(types, shape)}};
}

// ONNX Runtime's outputs for `inputs`, by name.
StateDict run_onnxruntime(const fs::path& model, const StateDict& inputs, const fs::path& scratch) {
  nlohmann::json feeds;
  for (const auto& [name, t] : inputs) {
    feeds[name] = {{"dims", t.shape()},
                   {"data", std::vector<std::int64_t>(t.data<std::int64_t>(), t.data<std::int64_t>() + t.numel())}};
  }
  std::ofstream(scratch / "ort_in.json") << feeds.dump();
  const std::string script = std::string(PARE_SOURCE_DIR) + "/export/onnxruntime_run.js";
  const std::string command = "node '" + script + "' '" + model.string() + "' '" + (scratch / "ort_in.json").string() +
                              "' '" + (scratch / "ort_out.json").string() + "' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(scratch / "ort_out.json");
  const nlohmann::json result = nlohmann::json::parse(in);
  StateDict out;
  for (const auto& [name, t] : result.at("outputs").items()) {
    out.emplace(name, Tensor::from_vector(t.at("data").get<std::vector<float>>(), t.at("dims").get<Shape>()));
  }
  return out;
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  double most = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    most = std::max(most, std::fabs(static_cast<double>(a.data<float>()[i]) - b.data<float>()[i]));
  }
  return most;
}

struct Kind {
  std::string name;
  std::function<fs::path(const fs::path& scratch)> make;
  bool has_logits = true;
  bool has_answer_spans = false;  // start_logits and end_logits (question answering)
};

fs::path saved(const fs::path& dir, const BertConfig& config, BertTask task) {
  save_pretrained(*testing::random_bert_model(config, task, 1, 2), dir);
  return dir;
}

BertConfig pruned_config(bool hidden_pruned) {
  BertConfig c = testing::small_random_config(3);
  c.layer_shapes = {{1, 4, 5}, {0, 4, 0}, {3, 4, 12}};  // a layer with no heads and no FFN units left
  if (hidden_pruned) {
    c.hidden_size = 11;
    c.pare_layer_norm_size = 16;
  }
  return c;
}

std::vector<Kind> kinds() {
  return {
      {"dense_classifier", [](const fs::path&) { return fs::path(PARE_TEST_DATA_DIR) / "libpare" / "classifier"; }},
      {"hf_pruned_heads", [](const fs::path&) { return testing::bert_fixture("pruned"); }},
      {"per_layer_pruned",
       [](const fs::path& s) { return saved(s / "pruned", pruned_config(false), BertTask::sequence_classification); }},
      {"hidden_pruned",
       [](const fs::path& s) { return saved(s / "hidden", pruned_config(true), BertTask::sequence_classification); }},
      {"token_classifier", [](const fs::path&) { return testing::bert_fixture("token"); }},
      {"encoder", [](const fs::path& s) { return saved(s / "encoder", pruned_config(false), BertTask::base); }, false},
      {"masked_lm_encoder", [](const fs::path&) { return testing::bert_fixture("mlm"); }, false},
      {"question_answering", [](const fs::path&) { return testing::bert_fixture("qa"); }, false, true},
      {"int8_classifier",
       [](const fs::path& s) {
         (void)quantize_directory(fs::path(PARE_TEST_DATA_DIR) / "libpare" / "classifier", s / "int8");
         return s / "int8";
       }},
      {"int8_hidden_pruned",
       [](const fs::path& s) {
         (void)quantize_directory(saved(s / "hidden", pruned_config(true), BertTask::sequence_classification),
                                  s / "int8");
         return s / "int8";
       }},
      {"int8_masked_lm_encoder",
       [](const fs::path& s) {
         (void)quantize_directory(testing::bert_fixture("mlm"), s / "int8");
         return s / "int8";
       },
       false},
  };
}

class OnnxExport : public ::testing::TestWithParam<std::size_t> {};

TEST_P(OnnxExport, OnnxRuntimeGivesPareForwardsOutputs) {
  SKIP_WITHOUT_ONNX();
  if (!have_node()) GTEST_SKIP() << "Node.js is not installed: ONNX Runtime (onnxruntime-node) cannot run";
  const Kind kind = kinds()[GetParam()];
  ScratchDir scratch;
  const fs::path dir = kind.make(scratch.path());
  const fs::path onnx = scratch.path() / "model.onnx";
  const testing::CommandOutcome exported =
      testing::run_pare_capturing("export --model '" + dir.string() + "' --out '" + onnx.string() + "'");
  ASSERT_EQ(exported.status, 0) << exported.output;
  EXPECT_TRUE(has(exported.output, "checked by ONNX's checker with shape inference"));

  const StateDict inputs = padded_inputs(std::min<std::int64_t>(BertConfig::load(dir).vocab_size, 28));
  NamedTensors named(inputs.begin(), inputs.end());
  save_safetensors(scratch.path() / "in.safetensors", named);
  const testing::CommandOutcome forward = testing::run_pare_capturing(
      "forward --model '" + dir.string() + "' --input '" + (scratch.path() / "in.safetensors").string() +
      "' --output '" + (scratch.path() / "out.safetensors").string() + "'");
  ASSERT_EQ(forward.status, 0) << forward.output;
  const StateDict want = testing::read_all(scratch.path() / "out.safetensors");
  const StateDict got = run_onnxruntime(onnx, inputs, scratch.path());

  ASSERT_TRUE(got.count("last_hidden_state"));
  EXPECT_LE(max_abs_difference(got.at("last_hidden_state"), want.at("last_hidden_state")), 1e-4);
  EXPECT_EQ(got.count("logits"), kind.has_logits ? 1u : 0u);
  if (kind.has_logits) {
    EXPECT_LE(max_abs_difference(got.at("logits"), want.at("logits")), 1e-4);
  }
  for (const char* name : {"start_logits", "end_logits"}) {
    ASSERT_EQ(got.count(name), kind.has_answer_spans ? 1u : 0u) << name;
    if (kind.has_answer_spans) {
      EXPECT_LE(max_abs_difference(got.at(name), want.at(name)), 1e-4) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, OnnxExport, ::testing::Range<std::size_t>(0, kinds().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) { return kinds()[info.param].name; });

TEST(OnnxExportBadInput, AnExistingOutputADirectoryAndAMissingModelAreRefused) {
  SKIP_WITHOUT_ONNX();
  ScratchDir scratch;
  const fs::path classifier = fs::path(PARE_TEST_DATA_DIR) / "libpare" / "classifier";
  const fs::path out = scratch.path() / "model.onnx";
  testing::write_bytes(out, "not mine");
  testing::CommandOutcome r =
      testing::run_pare_capturing("export --model '" + classifier.string() + "' --out '" + out.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "exists; give --overwrite to replace it")) << r.output;
  EXPECT_EQ(testing::read_bytes(out), "not mine");
  r = testing::run_pare_capturing("export --model '" + classifier.string() + "' --out '" + out.string() +
                                  "' --overwrite");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(scratch.listing(), std::vector<std::string>{"model.onnx"});  // no temporaries left

  r = testing::run_pare_capturing("export --model '" + classifier.string() + "' --out '" + scratch.path().string() +
                                  "' --overwrite");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "is a directory; give the file to write")) << r.output;

  r = testing::run_pare_capturing("export --model '" + (scratch.path() / "absent").string() + "' --out '" +
                                  (scratch.path() / "absent.onnx").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "absent")) << r.output;
  EXPECT_FALSE(fs::exists(scratch.path() / "absent.onnx"));
}

}  // namespace
}  // namespace pare
