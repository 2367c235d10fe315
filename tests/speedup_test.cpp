// Speed-up surgery: the compacted model must compute what the masked model computes (the original
// with every weight multiplied by its mask), be as much smaller as the removed heads and units
// make it, save and load as an ordinary model directory, and refuse bad masks.
#include "prune/speedup.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "models/bert_heads.h"  // make_bert_model
#include "models/checkpoint.h"  // save_pretrained, load_pretrained
#include "prune/masks.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/io/safetensors.h"
#include "runtime/random.h"
#include "tests/bert_test_util.h"
#include "tests/random_bert.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using testing::close_relative;
using testing::error_of;
using testing::ScratchDir;
using Index = std::vector<std::int64_t>;

constexpr std::int64_t kHidden = 16, kHeads = 4, kHeadDim = 4, kFfn = 12, kLayers = 3;

BertConfig tiny_config() { return testing::small_random_config(kLayers); }

std::shared_ptr<BertTaskModel> random_model(BertTask task, std::uint64_t seed = 7) {
  return testing::random_bert_model(tiny_config(), task, seed, seed + 100);
}

BertInputs padded_inputs() { return testing::padded_random_inputs(3); }

std::string layer(std::int64_t i) { return "encoder.layer." + std::to_string(i) + "."; }

// Builds masks by parameter name (without the "bert." prefix; resolve_masks adds it).
class MaskBuilder {
 public:
  explicit MaskBuilder(const BertTaskModel& model) {
    for (const auto& [name, p] : model.bert().named_parameters()) shapes_[name] = p.shape();
  }
  std::vector<float>& mask(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end()) it = values_.emplace(name, std::vector<float>(shape_numel(shapes_.at(name)), 1.0f)).first;
    return it->second;
  }
  void zero_rows(const std::string& name, std::int64_t begin, std::int64_t end) {
    const std::int64_t width = shapes_.at(name).size() == 2 ? shapes_.at(name)[1] : 1;
    std::vector<float>& m = mask(name);
    for (std::int64_t i = begin * width; i < end * width; ++i) m[static_cast<std::size_t>(i)] = 0.0f;
  }
  void zero_columns(const std::string& name, std::int64_t begin, std::int64_t end) {
    const std::int64_t rows = shapes_.at(name)[0], cols = shapes_.at(name)[1];
    std::vector<float>& m = mask(name);
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = begin; c < end; ++c) m[static_cast<std::size_t>(r * cols + c)] = 0.0f;
    }
  }
  void zero_random(const std::string& name, std::mt19937& rng) {
    for (float& v : mask(name)) {
      if (rng() % 2) v = 0.0f;
    }
  }
  // Head h of layer l through one of: the output columns, the value rows, all four, or Q and K only.
  void head_output(std::int64_t l, std::int64_t h) {
    zero_columns(layer(l) + "attention.output.dense.weight", h * kHeadDim, (h + 1) * kHeadDim);
  }
  void head_value(std::int64_t l, std::int64_t h) {
    zero_rows(layer(l) + "attention.self.value.weight", h * kHeadDim, (h + 1) * kHeadDim);
  }
  void head_query_key(std::int64_t l, std::int64_t h) {
    for (const char* p : {"query", "key"}) {
      zero_rows(layer(l) + "attention.self." + p + ".weight", h * kHeadDim, (h + 1) * kHeadDim);
      zero_rows(layer(l) + "attention.self." + p + ".bias", h * kHeadDim, (h + 1) * kHeadDim);
    }
  }
  void head_all(std::int64_t l, std::int64_t h) {
    head_query_key(l, h);
    head_value(l, h);
    head_output(l, h);
  }
  void unit_input(std::int64_t l, std::int64_t u) { zero_rows(layer(l) + "intermediate.dense.weight", u, u + 1); }
  void unit_output(std::int64_t l, std::int64_t u) { zero_columns(layer(l) + "output.dense.weight", u, u + 1); }
  void unit_all(std::int64_t l, std::int64_t u) {
    unit_input(l, u);
    zero_rows(layer(l) + "intermediate.dense.bias", u, u + 1);
    unit_output(l, u);
  }

  Masks masks() const {
    Masks out;
    for (const auto& [name, v] : values_) out.emplace(name, Tensor::from_vector(v, shapes_.at(name)));
    return out;
  }

 private:
  std::map<std::string, Shape> shapes_;
  std::map<std::string, std::vector<float>> values_;
};

std::shared_ptr<BertTaskModel> masked_model(const BertTaskModel& model, const Masks& masks) {
  auto masked = make_bert_model(model.config(), model.task());
  masked->load_state_dict(masked_state_dict(model, masks));
  masked->eval();
  return masked;
}

void expect_same_outputs(const BertTaskModel& actual, const BertTaskModel& expected) {
  const NoGradGuard no_grad;
  const BertInputs inputs = padded_inputs();
  const BertOutputs a = actual.forward(inputs), e = expected.forward(inputs);
  EXPECT_TRUE(close_relative(a.last_hidden_state, e.last_hidden_state, 0.0, 1e-5));
  if (e.logits.defined()) {
    EXPECT_TRUE(close_relative(a.logits, e.logits, 0.0, 1e-5));
  }
  if (e.pooler_output.defined()) {
    EXPECT_TRUE(close_relative(a.pooler_output, e.pooler_output, 0.0, 1e-5));
  }
}

std::int64_t parameter_count(const Module& model) {
  std::int64_t n = 0;
  for (const auto& [name, p] : model.named_parameters()) n += p.numel();
  return n;
}

Index all(std::int64_t n) {
  Index out;
  for (std::int64_t i = 0; i < n; ++i) out.push_back(i);
  return out;
}

// Parameters one head / one FFN unit holds in this config.
constexpr std::int64_t kPerHead = 3 * (kHidden * kHeadDim + kHeadDim) + kHidden * kHeadDim;
constexpr std::int64_t kPerUnit = kHidden + 1 + kHidden;

class SpeedupTask : public ::testing::TestWithParam<BertTask> {};

TEST_P(SpeedupTask, RemovesHeadsAndUnitsAndKeepsTheMaskedOutputs) {
  const auto model = random_model(GetParam());
  MaskBuilder b(*model);
  std::mt19937 rng(11);
  // Layer 0: head 1 through all four masks, head 3 through its value rows (its bias is folded),
  // head 2 through Q and K only (kept: attention becomes uniform, not absent), head 0 partially.
  b.head_all(0, 1);
  b.head_value(0, 3);
  b.head_query_key(0, 2);
  b.zero_random(layer(0) + "attention.self.query.weight", rng);
  // FFN units 0, 5, 7 through intermediate rows only (act(bias) folded), 2 through output columns,
  // 9 through all three, unit 3 partially.
  for (std::int64_t u : {0, 5, 7}) b.unit_input(0, u);
  b.unit_output(0, 2);
  b.unit_all(0, 9);
  b.zero_random(layer(0) + "output.dense.weight", rng);
  // Layer 1 loses every head and every unit; layer 2 keeps all (an embedding mask is only applied).
  for (std::int64_t h = 0; h < kHeads; ++h) h % 2 ? b.head_output(1, h) : b.head_value(1, h);
  for (std::int64_t u = 0; u < kFfn; ++u) u % 2 ? b.unit_input(1, u) : b.unit_output(1, u);
  b.zero_random("embeddings.word_embeddings.weight", rng);
  const Masks masks = resolve_masks(*model, b.masks(), "test masks");

  const SpeedupPlan plan = plan_speedup(*model, masks);
  EXPECT_EQ(plan.kept_heads, (std::vector<Index>{{0, 2}, {}, all(kHeads)}));
  EXPECT_EQ(plan.kept_units, (std::vector<Index>{{1, 3, 4, 6, 8, 10, 11}, {}, all(kFfn)}));

  const auto compact = speedup(*model, masks);
  EXPECT_EQ(compact->config().layer_shapes,
            (std::vector<BertLayerShape>{{2, kHeadDim, 7}, {0, kHeadDim, 0}, {kHeads, kHeadDim, kFfn}}));
  EXPECT_EQ(parameter_count(*compact), parameter_count(*model) - 6 * kPerHead - 17 * kPerUnit);
  EXPECT_FALSE(compact->is_training());
  expect_same_outputs(*compact, *masked_model(*model, masks));
}

INSTANTIATE_TEST_SUITE_P(Tasks, SpeedupTask,
                         ::testing::Values(BertTask::base, BertTask::sequence_classification,
                                           BertTask::token_classification, BertTask::masked_lm));

TEST(Speedup, RandomMasksGiveTheMaskedOutputs) {
  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(seed);
    const auto model = random_model(BertTask::sequence_classification, seed);
    MaskBuilder b(*model);
    std::mt19937 rng(seed);
    std::vector<Index> kept_heads(kLayers), kept_units(kLayers);
    for (std::int64_t l = 0; l < kLayers; ++l) {
      for (std::int64_t h = 0; h < kHeads; ++h) {
        const auto how = rng() % 5;
        if (how == 0) b.head_output(l, h);
        if (how == 1) b.head_value(l, h);
        if (how == 2) b.head_all(l, h);
        if (how == 3) b.head_query_key(l, h);
        if (how >= 3) kept_heads[static_cast<std::size_t>(l)].push_back(h);
      }
      for (std::int64_t u = 0; u < kFfn; ++u) {
        const auto how = rng() % 4;
        if (how == 0) b.unit_input(l, u);
        if (how == 1) b.unit_output(l, u);
        if (how == 2) b.unit_all(l, u);
        if (how == 3) kept_units[static_cast<std::size_t>(l)].push_back(u);
      }
      b.zero_random(layer(l) + "attention.self.key.weight", rng);
      b.zero_random(layer(l) + "intermediate.dense.weight", rng);
    }
    const Masks masks = resolve_masks(*model, b.masks(), "random masks");
    const SpeedupPlan plan = plan_speedup(*model, masks);
    EXPECT_EQ(plan.kept_heads, kept_heads);
    EXPECT_EQ(plan.kept_units, kept_units);
    expect_same_outputs(*speedup(*model, masks), *masked_model(*model, masks));
  }
}

TEST(Speedup, NoMasksChangeNothing) {
  const auto model = random_model(BertTask::sequence_classification);
  const auto compact = speedup(*model, {});
  EXPECT_EQ(compact->config().layer_shapes, model->config().layer_shapes);
  EXPECT_TRUE(compact->config().pruned_heads.empty());
  EXPECT_EQ(parameter_count(*compact), parameter_count(*model));
  expect_same_outputs(*compact, *model);
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

TEST(Speedup, OnlyHeadsGoneWritesHfPrunedHeadsAndReloads) {
  const auto model = random_model(BertTask::sequence_classification);
  MaskBuilder b(*model);
  b.head_all(0, 1);
  b.head_all(0, 3);
  b.head_output(2, 0);
  const auto compact = speedup(*model, b.masks());  // names without "bert.": speedup resolves them
  using Pruned = std::map<std::int64_t, std::vector<std::int64_t>>;
  EXPECT_EQ(compact->config().pruned_heads, (Pruned{{0, {1, 3}}, {2, {0}}}));

  const ScratchDir dir;
  save_pretrained(*compact, dir.path() / "compact");
  const nlohmann::json config = read_json(dir.path() / "compact" / "config.json");
  EXPECT_EQ(config["pruned_heads"], nlohmann::json::parse(R"({"0": [1, 3], "2": [0]})"));
  EXPECT_FALSE(config.contains("pare_layer_shapes")) << config.dump();
  LoadedBert loaded = load_pretrained(dir.path() / "compact");
  loaded.model->eval();
  expect_same_outputs(*loaded.model, *compact);

  // A second round counts heads in the original numbering: current head 1 of layer 0 is head 2.
  MaskBuilder again(*loaded.model);
  again.head_output(0, 1);
  const auto smaller = speedup(*loaded.model, resolve_masks(*loaded.model, again.masks(), "masks"));
  EXPECT_EQ(smaller->config().pruned_heads, (Pruned{{0, {1, 2, 3}}, {2, {0}}}));
  EXPECT_EQ(smaller->config().layer_shapes[0].heads, 1);
}

TEST(Speedup, RemovedUnitsSaveLayerShapesAndReload) {
  const auto model = random_model(BertTask::token_classification);
  MaskBuilder b(*model);
  for (std::int64_t u = 0; u < kFfn; ++u) b.unit_all(1, u);
  b.unit_input(2, 4);
  for (std::int64_t h = 0; h < kHeads; ++h) b.head_output(0, h);
  const Masks masks = resolve_masks(*model, b.masks(), "masks");
  const auto compact = speedup(*model, masks);
  EXPECT_EQ(compact->config().pruned_heads.at(0), (std::vector<std::int64_t>{0, 1, 2, 3}));

  const ScratchDir dir;
  save_pretrained(*compact, dir.path() / "compact");
  const nlohmann::json config = read_json(dir.path() / "compact" / "config.json");
  ASSERT_TRUE(config.contains("pare_layer_shapes")) << config.dump();
  EXPECT_EQ(config["pare_layer_shapes"][1]["ffn_dim"], 0);
  EXPECT_EQ(config["pare_layer_shapes"][2]["ffn_dim"], kFfn - 1);
  LoadedBert loaded = load_pretrained(dir.path() / "compact");
  loaded.model->eval();
  expect_same_outputs(*loaded.model, *masked_model(*model, masks));
}

TEST(Speedup, CheckpointOnFixtureInputs) {
  LoadedBert loaded = load_pretrained(testing::bert_fixture("seqcls"));
  BertTaskModel& model = *loaded.model;
  model.eval();
  const BertConfig& c = model.config();
  const std::int64_t head_dim = c.layer_shapes[0].head_dim, ffn = c.layer_shapes[0].ffn_dim;
  // Layer 0 loses head 0 (output columns) and the first half of its units (intermediate rows).
  std::vector<float> out(static_cast<std::size_t>(c.hidden_size * c.hidden_size), 1.0f);
  for (std::int64_t r = 0; r < c.hidden_size; ++r) {
    for (std::int64_t col = 0; col < head_dim; ++col) out[static_cast<std::size_t>(r * c.hidden_size + col)] = 0.0f;
  }
  std::vector<float> in(static_cast<std::size_t>(ffn * c.hidden_size), 1.0f);
  std::fill(in.begin(), in.begin() + ffn / 2 * c.hidden_size, 0.0f);
  const Masks masks = resolve_masks(
      model,
      {{"encoder.layer.0.attention.output.dense.weight", Tensor::from_vector(out, {c.hidden_size, c.hidden_size})},
       {"encoder.layer.0.intermediate.dense.weight", Tensor::from_vector(in, {ffn, c.hidden_size})}},
      "masks");
  const auto compact = speedup(model, masks);
  EXPECT_EQ(compact->config().layer_shapes[0].heads, c.layer_shapes[0].heads - 1);
  EXPECT_EQ(compact->config().layer_shapes[0].ffn_dim, ffn - ffn / 2);
  const auto masked = masked_model(model, masks);
  const BertInputs inputs =
      testing::fixture_inputs(testing::read_all(testing::bert_fixture("seqcls/expected.safetensors")));
  const NoGradGuard no_grad;
  const BertOutputs a = compact->forward(inputs), e = masked->forward(inputs);
  EXPECT_TRUE(close_relative(a.last_hidden_state, e.last_hidden_state, 0.0, 1e-5));
  EXPECT_TRUE(close_relative(a.logits, e.logits, 0.0, 1e-5));
}

TEST(Masks, BadMasksAreRefusedNamingTheParameter) {
  const auto model = random_model(BertTask::sequence_classification);
  const std::string q = "encoder.layer.0.attention.self.query.weight";
  const Shape q_shape{kHidden, kHidden};
  auto one = [](const std::string& name, Tensor t) { return Masks{{name, std::move(t)}}; };
  EXPECT_NE(error_of([&] {
              resolve_masks(*model, one("encoder.layer.9.output.dense.weight", Tensor::ones({2})), "m");
            }).find("m: mask \"encoder.layer.9.output.dense.weight\" names no parameter"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              resolve_masks(*model, one(q, Tensor::ones({kHidden, 2})), "m");
            }).find("mask \"" + q + "\" has shape [16, 2] but the parameter has shape [16, 16]"),
            std::string::npos);
  Tensor half = Tensor::ones(q_shape);
  half.data<float>()[5] = 0.5f;
  EXPECT_NE(
      error_of([&] { resolve_masks(*model, one(q, half), "m"); }).find("mask \"" + q + "\" holds 0.5 at element 5"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              resolve_masks(*model, one(q, Tensor::ones(q_shape, DType::i64)), "m");
            }).find("mask \"" + q + "\" has dtype I64"),
            std::string::npos);
  const Masks twice{{q, Tensor::ones(q_shape)}, {"bert." + q, Tensor::ones(q_shape)}};
  EXPECT_NE(error_of([&] { resolve_masks(*model, twice, "m"); }).find("has two masks"), std::string::npos);

  // Files: u8 masks round-trip, and a u8 value of 2 is named with the file.
  const ScratchDir dir;
  Tensor m = Tensor::ones(q_shape);
  m.data<float>()[3] = 0.0f;
  save_masks(dir.path() / "ok.safetensors", {{q, m}});
  const SafetensorsFile stored = SafetensorsFile::open(dir.path() / "ok.safetensors");
  EXPECT_EQ(stored.info(q).dtype, DType::u8);
  const Masks loaded = resolve_masks(*model, load_masks(dir.path() / "ok.safetensors"), "ok");
  ASSERT_EQ(loaded.count("bert." + q), 1u);
  EXPECT_EQ(loaded.at("bert." + q).to_vector<float>(), m.to_vector<float>());
  Tensor two = Tensor::ones(q_shape, DType::u8);
  two.data<std::uint8_t>()[7] = 2;
  save_safetensors(dir.path() / "bad.safetensors", {{q, two}});
  const std::string bad = (dir.path() / "bad.safetensors").string();
  EXPECT_NE(error_of([&] { load_masks(bad); }).find(bad + ": mask \"" + q + "\" holds 2 at element 7"),
            std::string::npos);
}

}  // namespace
}  // namespace pare
