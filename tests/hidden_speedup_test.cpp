// Speed-up surgery of hidden (embedding) dimensions: the compacted model's outputs on the kept
// dimensions equal the masked model's (where the removed dimensions are zero), because its
// LayerNorms still normalise over the original width (pare_layer_norm_size); an ordinary LayerNorm
// over the kept dimensions would not. Inconsistent masks keep a dimension, and the compacted model
// saves and loads as a model directory.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "models/bert_heads.h"  // make_bert_model
#include "models/checkpoint.h"  // save_pretrained, load_pretrained
#include "prune/masks.h"
#include "prune/model_size.h"       // measure_model
#include "prune/parameter_roles.h"  // describe_bert_parameters
#include "prune/pruning_resolve.h"  // resolve
#include "prune/speedup.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/random.h"
#include "tests/bert_test_util.h"
#include "tests/random_bert.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using testing::close_relative;
using testing::ScratchDir;
using Index = std::vector<std::int64_t>;

constexpr std::int64_t kHidden = 16, kHeads = 4, kHeadDim = 4, kFfn = 12, kLayers = 2;

BertConfig tiny_config() { return testing::small_random_config(kLayers); }

std::shared_ptr<BertTaskModel> random_model(BertTask task, std::uint64_t seed = 5) {
  return testing::random_bert_model(tiny_config(), task, seed, seed + 200);
}

BertInputs padded_inputs() { return testing::padded_random_inputs(9); }

Index all(std::int64_t n) {
  Index out;
  for (std::int64_t i = 0; i < n; ++i) out.push_back(i);
  return out;
}

Index complement(std::int64_t n, const Index& removed) {
  Index out;
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::find(removed.begin(), removed.end(), i) == removed.end()) out.push_back(i);
  }
  return out;
}

// Masks under the model's own names, built entry by entry; untouched entries are 1.
class MaskBuilder {
 public:
  explicit MaskBuilder(const BertTaskModel& model) {
    for (const auto& [name, p] : model.named_parameters()) shapes_[name] = p.shape();
    infos_ = describe_bert_parameters(model);
  }
  std::vector<float>& mask(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end()) it = values_.emplace(name, std::vector<float>(shape_numel(shapes_.at(name)), 1.0f)).first;
    return it->second;
  }
  // Zero at element (row, col) of a 2-D parameter or element `row` of a 1-D one.
  void set(const std::string& name, std::int64_t row, std::int64_t col, float value) {
    const Shape& s = shapes_.at(name);
    mask(name)[static_cast<std::size_t>(s.size() == 2 ? row * s[1] + col : row)] = value;
  }
  // Every hidden axis of every parameter that has one zero at `removed`: one shared hidden mask
  // over everything that carries the hidden size, as prune/configs/embedding.json (which leaves
  // out the MLM transform) sets up, with `skip` left unmasked.
  void hidden(const Index& removed, const std::set<std::string>& skip = {}) {
    const std::set<std::int64_t> gone(removed.begin(), removed.end());
    for (const PruneParameterInfo& info : infos_) {
      if (info.hidden_axes.empty() || skip.count(info.name)) continue;
      const std::int64_t rows = info.shape[0], cols = info.shape.size() == 2 ? info.shape[1] : 1;
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c) {
          for (int axis : info.hidden_axes) {
            if (gone.count(axis == 0 ? r : c)) set(info.name, r, c, 0.0f);
          }
        }
      }
    }
  }
  void head(std::int64_t l, std::int64_t h) {
    const std::string p = "bert.encoder.layer." + std::to_string(l) + ".attention.";
    for (std::int64_t i = h * kHeadDim; i < (h + 1) * kHeadDim; ++i) {
      for (const char* name : {"self.query.", "self.key.", "self.value."}) {
        for (std::int64_t c = 0; c < kHidden; ++c) set(p + name + "weight", i, c, 0.0f);
        set(p + name + "bias", i, 0, 0.0f);
      }
      for (std::int64_t r = 0; r < kHidden; ++r) set(p + "output.dense.weight", r, i, 0.0f);
    }
  }
  void unit(std::int64_t l, std::int64_t u) {
    const std::string p = "bert.encoder.layer." + std::to_string(l) + ".";
    for (std::int64_t c = 0; c < kHidden; ++c) set(p + "intermediate.dense.weight", u, c, 0.0f);
    set(p + "intermediate.dense.bias", u, 0, 0.0f);
    for (std::int64_t r = 0; r < kHidden; ++r) set(p + "output.dense.weight", r, u, 0.0f);
  }
  void zero_random(const std::string& name, std::mt19937& rng) {
    for (float& v : mask(name)) {
      if (rng() % 3 == 0) v = 0.0f;
    }
  }
  Masks masks() const {
    Masks out;
    for (const auto& [name, v] : values_) out.emplace(name, Tensor::from_vector(v, shapes_.at(name)));
    return out;
  }

 private:
  std::map<std::string, Shape> shapes_;
  std::vector<PruneParameterInfo> infos_;
  std::map<std::string, std::vector<float>> values_;
};

std::shared_ptr<BertTaskModel> masked_model(const BertTaskModel& model, const Masks& masks) {
  auto masked = make_bert_model(model.config(), model.task());
  masked->load_state_dict(masked_state_dict(model, masks));
  masked->eval();
  return masked;
}

// The entries of the last axis at `kept`.
Tensor take_last(const Tensor& t, const Index& kept) {
  const std::int64_t width = t.size(-1), rows = t.numel() / width;
  const std::vector<float> v = t.to_vector<float>();
  std::vector<float> out;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t d : kept) out.push_back(v[static_cast<std::size_t>(r * width + d)]);
  }
  Shape shape = t.shape();
  shape.back() = static_cast<std::int64_t>(kept.size());
  return Tensor::from_vector(out, shape);
}

// Max |x| over the entries of the last axis outside `kept`.
double largest_removed(const Tensor& t, const Index& kept) {
  double worst = 0;
  for (float v : take_last(t, complement(t.size(-1), kept)).to_vector<float>()) {
    worst = std::max(worst, static_cast<double>(std::abs(v)));
  }
  return worst;
}

// Every hidden state, the pooler output and the logits of `compact` equal `masked`'s on the kept
// dimensions, and the masked model's removed dimensions are zero.
void expect_same_on_kept(const BertTaskModel& compact, const BertTaskModel& masked, const Index& kept) {
  const NoGradGuard no_grad;
  const BertInputs inputs = padded_inputs();
  const BertOutputs a = compact.forward(inputs), e = masked.forward(inputs);
  ASSERT_EQ(a.hidden_states.size(), e.hidden_states.size());
  for (std::size_t i = 0; i < e.hidden_states.size(); ++i) {
    SCOPED_TRACE("hidden state " + std::to_string(i));
    EXPECT_TRUE(close_relative(a.hidden_states[i], take_last(e.hidden_states[i], kept), 0.0, 1e-5));
    EXPECT_EQ(largest_removed(e.hidden_states[i], kept), 0.0);
  }
  EXPECT_TRUE(close_relative(a.last_hidden_state, take_last(e.last_hidden_state, kept), 0.0, 1e-5));
  if (e.pooler_output.defined()) {
    EXPECT_TRUE(close_relative(a.pooler_output, take_last(e.pooler_output, kept), 0.0, 1e-5));
  }
  if (e.logits.defined()) {
    EXPECT_TRUE(close_relative(a.logits, e.logits, 0.0, 1e-5));
  }
}

std::int64_t parameter_count(const Module& model) {
  std::int64_t n = 0;
  for (const auto& [name, p] : model.named_parameters()) n += p.numel();
  return n;
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

class HiddenSpeedupTask : public ::testing::TestWithParam<BertTask> {};

TEST_P(HiddenSpeedupTask, RemovedDimensionsGoEverywhereAndTheMaskedOutputsStay) {
  const auto model = random_model(GetParam());
  MaskBuilder b(*model);
  const Index removed{0, 3, 4, 9, 13, 15};
  b.hidden(removed);
  const Masks masks = b.masks();
  const Index kept = complement(kHidden, removed);
  EXPECT_EQ(plan_speedup(*model, masks).kept_hidden, kept);

  const auto compact = speedup(*model, masks);
  const BertConfig& c = compact->config();
  EXPECT_EQ(c.hidden_size, kHidden - 6);
  EXPECT_EQ(c.layer_norm_size(), kHidden);
  EXPECT_EQ(c.layer_shapes, model->config().layer_shapes);
  for (const auto& [name, p] : compact->named_parameters()) {
    const Shape original = model->state_dict().at(name).shape();
    for (std::size_t axis = 0; axis < original.size(); ++axis) {
      const bool hidden_axis = original[axis] == kHidden && p.size(static_cast<int>(axis)) == kHidden - 6;
      EXPECT_TRUE(hidden_axis || p.size(static_cast<int>(axis)) == original[axis]) << name;
    }
  }
  // model_size counts what the compacted model holds, and shows the LayerNorm width.
  const ModelSize size = measure_model(c, GetParam());
  EXPECT_EQ(size.parameters.total(), parameter_count(*compact));
  EXPECT_EQ(model_size_json(size)["layer_norm_size"], kHidden);
  EXPECT_NE(model_size_text(size).find("hidden size 10 (LayerNorms over 16)"), std::string::npos);
  EXPECT_FALSE(model_size_json(measure_model(model->config(), GetParam())).contains("layer_norm_size"));
  expect_same_on_kept(*compact, *masked_model(*model, masks), kept);
}

INSTANTIATE_TEST_SUITE_P(Tasks, HiddenSpeedupTask,
                         ::testing::Values(BertTask::base, BertTask::sequence_classification,
                                           BertTask::token_classification, BertTask::question_answering,
                                           BertTask::masked_lm));

TEST(HiddenSpeedup, RandomHiddenHeadAndUnitMasksTogether) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    for (BertTask task :
         {BertTask::sequence_classification, BertTask::token_classification, BertTask::question_answering}) {
      const auto model = random_model(task, seed);
      std::mt19937 rng(seed);
      Index removed;
      for (std::int64_t d = 0; d < kHidden; ++d) {
        if (rng() % 3 == 0) removed.push_back(d);
      }
      MaskBuilder b(*model);
      b.hidden(removed);
      Index heads, units;
      for (std::int64_t h = 0; h < kHeads; ++h) {
        if (rng() % 2) b.head(0, h);
      }
      for (std::int64_t u = 0; u < kFfn; ++u) {
        if (rng() % 2) b.unit(1, u);
      }
      // Partial masks the surgery only applies.
      b.zero_random("bert.encoder.layer.1.attention.self.key.weight", rng);
      b.zero_random("bert.encoder.layer.0.output.dense.weight", rng);
      b.zero_random("bert.embeddings.word_embeddings.weight", rng);
      const Masks masks = b.masks();
      const SpeedupPlan plan = plan_speedup(*model, masks);
      const Index kept = complement(kHidden, removed);
      EXPECT_EQ(plan.kept_hidden, kept);
      const auto compact = speedup(*model, masks);
      EXPECT_EQ(compact->config().hidden_size, static_cast<std::int64_t>(kept.size()));
      EXPECT_EQ(compact->config().layer_shapes[0].heads, static_cast<std::int64_t>(plan.kept_heads[0].size()));
      EXPECT_EQ(compact->config().layer_shapes[1].ffn_dim, static_cast<std::int64_t>(plan.kept_units[1].size()));
      expect_same_on_kept(*compact, *masked_model(*model, masks), kept);
    }
  }
}

TEST(HiddenSpeedup, AllKeptIsTheSameModel) {
  const auto model = random_model(BertTask::sequence_classification);
  MaskBuilder b(*model);
  b.hidden({});
  const auto compact = speedup(*model, b.masks());
  EXPECT_EQ(compact->config().hidden_size, kHidden);
  EXPECT_FALSE(compact->config().pare_layer_norm_size.has_value());
  EXPECT_EQ(parameter_count(*compact), parameter_count(*model));
  const NoGradGuard no_grad;
  const BertInputs inputs = padded_inputs();
  EXPECT_TRUE(testing::bitwise_equal(compact->forward(inputs).logits, model->forward(inputs).logits));
}

TEST(HiddenSpeedup, OneKeptDimensionAndNoneKept) {
  const auto model = random_model(BertTask::sequence_classification);
  MaskBuilder one(*model);
  one.hidden(complement(kHidden, {11}));
  const auto compact = speedup(*model, one.masks());
  EXPECT_EQ(compact->config().hidden_size, 1);
  expect_same_on_kept(*compact, *masked_model(*model, one.masks()), {11});

  // Every dimension masked: dimension 0 stays (all its weights zero), the logits are the bias.
  MaskBuilder none(*model);
  none.hidden(all(kHidden));
  const auto smallest = speedup(*model, none.masks());
  EXPECT_EQ(smallest->config().hidden_size, 1);
  expect_same_on_kept(*smallest, *masked_model(*model, none.masks()), {0});
}

TEST(HiddenSpeedup, OrdinaryLayerNormOverTheKeptDimensionsWouldNotMatch) {
  const auto model = random_model(BertTask::sequence_classification);
  MaskBuilder b(*model);
  const Index removed{1, 2, 6, 8, 12};
  b.hidden(removed);
  const auto compact = speedup(*model, b.masks());
  BertConfig plain = compact->config();
  plain.pare_layer_norm_size.reset();
  auto ordinary = make_bert_model(plain, compact->task());
  ordinary->load_state_dict(compact->state_dict());
  ordinary->eval();
  const NoGradGuard no_grad;
  const BertInputs inputs = padded_inputs();
  const BertOutputs e = masked_model(*model, b.masks())->forward(inputs);
  const BertOutputs wrong = ordinary->forward(inputs);
  const Tensor expected = take_last(e.last_hidden_state, complement(kHidden, removed));
  EXPECT_FALSE(close_relative(wrong.last_hidden_state, expected, 0.0, 1e-2));
  EXPECT_FALSE(close_relative(wrong.logits, e.logits, 0.0, 1e-2));
  EXPECT_TRUE(close_relative(compact->forward(inputs).last_hidden_state, expected, 0.0, 1e-5));
}

TEST(HiddenSpeedup, InconsistentMasksKeepTheDimension) {
  const auto model = random_model(BertTask::sequence_classification);
  MaskBuilder b(*model);
  b.hidden({2, 7, 9, 10});
  // Dimension 7 still written by one residual writer's bias, 9 by one entry of the pooler's row,
  // 10 by one LayerNorm's weight: each of them stays, its other masked entries applied as zeros.
  b.set("bert.encoder.layer.1.output.dense.bias", 7, 0, 1.0f);
  b.set("bert.pooler.dense.weight", 9, 3, 1.0f);
  b.set("bert.encoder.layer.0.attention.output.LayerNorm.weight", 10, 0, 1.0f);
  const Masks masks = b.masks();
  const Index kept = complement(kHidden, {2});
  EXPECT_EQ(plan_speedup(*model, masks).kept_hidden, kept);
  const auto compact = speedup(*model, masks);
  EXPECT_EQ(compact->config().hidden_size, kHidden - 1);
  expect_same_on_kept(*compact, *masked_model(*model, masks), kept);

  // A writer with no mask at all keeps every dimension.
  MaskBuilder partial(*model);
  partial.hidden({2, 7}, {"bert.encoder.layer.0.output.dense.weight"});
  EXPECT_EQ(plan_speedup(*model, partial.masks()).kept_hidden, all(kHidden));
  expect_same_on_kept(*speedup(*model, partial.masks()), *masked_model(*model, partial.masks()), all(kHidden));
}

TEST(HiddenSpeedup, MaskedLmNeedsItsTransformMaskedToo) {
  const auto model = random_model(BertTask::masked_lm);
  MaskBuilder b(*model);
  b.hidden({3, 5}, {"cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias"});
  // The transform still writes dimensions 3 and 5 into what the tied decoder reads: they stay.
  EXPECT_EQ(plan_speedup(*model, b.masks()).kept_hidden, all(kHidden));
  const auto compact = speedup(*model, b.masks());
  EXPECT_EQ(compact->config().hidden_size, kHidden);
  expect_same_on_kept(*compact, *masked_model(*model, b.masks()), all(kHidden));
}

TEST(HiddenSpeedup, CompactedModelSavesAndLoads) {
  const auto model = random_model(BertTask::token_classification);
  MaskBuilder b(*model);
  const Index removed{0, 5, 6, 14};
  b.hidden(removed);
  b.head(1, 2);
  b.unit(0, 4);
  const auto compact = speedup(*model, b.masks());
  const ScratchDir dir;
  save_pretrained(*compact, dir.path() / "compact");
  const nlohmann::json config = read_json(dir.path() / "compact" / "config.json");
  EXPECT_EQ(config["hidden_size"], kHidden - 4);
  EXPECT_EQ(config["pare_layer_norm_size"], kHidden);
  ASSERT_TRUE(config.contains("pare_layer_shapes")) << config.dump();
  EXPECT_EQ(config["pare_layer_shapes"][1]["heads"], kHeads - 1);
  LoadedBert loaded = load_pretrained(dir.path() / "compact");
  loaded.model->eval();
  EXPECT_EQ(loaded.model->config().layer_norm_size(), kHidden);
  EXPECT_TRUE(loaded.report.initialised.empty());
  expect_same_on_kept(*loaded.model, *masked_model(*model, b.masks()), complement(kHidden, removed));

  // A second round removes more, still counting the zeros of the original width.
  MaskBuilder again(*loaded.model);
  again.hidden({0, 1});
  const auto smaller = speedup(*loaded.model, again.masks());
  EXPECT_EQ(smaller->config().hidden_size, kHidden - 6);
  EXPECT_EQ(smaller->config().layer_norm_size(), kHidden);
  expect_same_on_kept(*smaller, *masked_model(*loaded.model, again.masks()), complement(kHidden - 4, {0, 1}));
}

// The shipped embedding.json's one [hidden] mask, spread over the parameters it selects.
TEST(HiddenSpeedup, EmbeddingConfigMasksRemoveTheirDimensions) {
  const auto model = random_model(BertTask::sequence_classification);
  const PruningConfig config = PruningConfig::load(std::filesystem::path(PARE_TEST_DATA_DIR) / ".." / ".." / "prune" /
                                                   "configs" / "embedding.json");
  const ResolvedPruning resolved = resolve(config, *model);
  const std::set<std::int64_t> removed{1, 4, 8, 11};
  Masks masks;
  for (const ResolvedGroup& group : resolved.groups) {
    for (const ResolvedParameter& p : group.parameters) {
      ASSERT_EQ(p.mask_shape, Shape{kHidden}) << p.name;
      const std::int64_t rows = p.shape[0], cols = p.shape.size() == 2 ? p.shape[1] : 1;
      std::vector<float> m(static_cast<std::size_t>(rows * cols), 1.0f);
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c) {
          for (std::size_t axis = 0; axis < p.shape.size(); ++axis) {
            if (p.mask_axis[axis] >= 0 && removed.count((axis == 0 ? r : c) / p.span[axis])) {
              m[static_cast<std::size_t>(r * cols + c)] = 0.0f;
            }
          }
        }
      }
      masks.emplace(p.name, Tensor::from_vector(m, p.shape));
    }
  }
  const Index kept = complement(kHidden, Index(removed.begin(), removed.end()));
  EXPECT_EQ(plan_speedup(*model, masks).kept_hidden, kept);
  expect_same_on_kept(*speedup(*model, masks), *masked_model(*model, masks), kept);
}

TEST(HiddenSpeedupConfig, LayerNormSizeRoundTripsAndIsChecked) {
  BertConfig c = tiny_config();
  EXPECT_FALSE(c.to_json().contains("pare_layer_norm_size"));
  c.hidden_size = 10;
  c.pare_layer_norm_size = kHidden;
  const BertConfig back = BertConfig::from_json(c.to_json(), "round trip");
  EXPECT_EQ(back.hidden_size, 10);
  EXPECT_EQ(back.layer_norm_size(), kHidden);
  nlohmann::json bad = c.to_json();
  bad["pare_layer_norm_size"] = 8;
  const std::string msg = testing::error_of([&] { BertConfig::from_json(bad, "bad.json"); });
  EXPECT_NE(msg.find("bad.json: field \"pare_layer_norm_size\" must be at least hidden_size (10)"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace pare
