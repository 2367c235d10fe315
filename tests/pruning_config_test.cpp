// Pruning configs: parsing with defaults, every rejected config with the group, field and value in
// its message, and resolution of the shipped example configs against a mini BERT (parameters and
// mask shapes counted by hand from the mini sizes: 4 layers, hidden 256, 4 heads of 64, FFN 1024).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "models/bert_heads.h"
#include "models/bert_sizes.h"
#include "prune/pruning_resolve.h"
#include "tests/test_support.h"  // error_of, ScratchDir, write_bytes

namespace pare {
namespace {

using nlohmann::json;
using testing::error_of;
using testing::has;

std::filesystem::path example_config(const std::string& name) {
  return std::filesystem::path(PARE_TEST_DATA_DIR) / ".." / ".." / "prune" / "configs" / name;
}

const BertForSequenceClassification& mini_model() {
  static const auto model = std::make_unique<BertForSequenceClassification>(named_bert_config("mini"));
  return *model;
}

// A valid group to break one field at a time.
json head_group() {
  return json{{"op_names", {R"(bert\.encoder\.layer\.[0-9]+\.attention\.self\.query\.weight)"}},
              {"scorer", "movement"},
              {"sparse_ratio", 0.5},
              {"granularity", "head"}};
}

std::string parse_error(const json& groups) {
  return error_of([&] { PruningConfig::from_json(groups, "cfg.json"); });
}

std::string resolve_error(const json& groups) {
  return error_of([&] { resolve(PruningConfig::from_json(groups, "cfg.json"), mini_model()); });
}

const ResolvedParameter& find(const ResolvedGroup& group, const std::string& name) {
  for (const ResolvedParameter& p : group.parameters) {
    if (p.name == name) return p;
  }
  throw Error("no resolved parameter " + name);
}

std::set<std::string> names_of(const ResolvedGroup& group) {
  std::set<std::string> names;
  for (const ResolvedParameter& p : group.parameters) names.insert(p.name);
  return names;
}

TEST(PruningConfigParse, ReadsFieldsAndDefaults) {
  const json groups = json::array({head_group(),
                                   {{"op_names", {"a", "b"}},
                                    {"op_types", {"linear", "layer_norm"}},
                                    {"exclude", {"c"}},
                                    {"scorer", "taylor"},
                                    {"sparse_ratio", 0.0},
                                    {"granularity", {64, 32}},
                                    {"ranking", "global"},
                                    {"dependency_group", "d_{layer}"},
                                    {"warmup_steps", 10},
                                    {"cooldown_begin_step", 100},
                                    {"regular_scale", 10},
                                    {"interval_steps", 20},
                                    {"total_times", 4}},
                                   {{"op_names", {"x"}}, {"scorer", "movement"}, {"sparse_threshold", 0.1}}});
  const PruningConfig c = PruningConfig::from_json(groups, "cfg.json");
  ASSERT_EQ(c.groups.size(), 3u);
  EXPECT_EQ(c.source, "cfg.json");

  const PruningGroup& a = c.groups[0];
  EXPECT_EQ(a.granularity, Granularity::head);
  EXPECT_TRUE(a.op_types.empty());
  EXPECT_EQ(a.ranking, Ranking::per_layer);
  EXPECT_EQ(a.scorer, "movement");
  EXPECT_EQ(a.sparse_ratio, 0.5);
  EXPECT_FALSE(a.soft());
  EXPECT_EQ(a.schedule.warmup_steps, 0);
  EXPECT_FALSE(a.schedule.cooldown_begin_step.has_value());
  EXPECT_EQ(a.schedule.regular_scale, 1.0);
  EXPECT_EQ(a.schedule.interval_steps, 1);
  EXPECT_FALSE(a.schedule.total_times.has_value());
  EXPECT_TRUE(a.dependency_group.empty());

  const PruningGroup& b = c.groups[1];
  EXPECT_EQ(b.op_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(b.op_types, (std::vector<PruneOpType>{PruneOpType::linear, PruneOpType::layer_norm}));
  EXPECT_EQ(b.exclude, std::vector<std::string>{"c"});
  EXPECT_EQ(b.scorer, "taylor");
  EXPECT_EQ(b.granularity, Granularity::block);
  EXPECT_EQ(b.block_rows, 64);
  EXPECT_EQ(b.block_cols, 32);
  EXPECT_EQ(b.ranking, Ranking::global);
  EXPECT_EQ(b.dependency_group, "d_{layer}");
  EXPECT_EQ(b.schedule.warmup_steps, 10);
  EXPECT_EQ(b.schedule.cooldown_begin_step, 100);
  EXPECT_EQ(b.schedule.regular_scale, 10.0);
  EXPECT_EQ(b.schedule.interval_steps, 20);
  EXPECT_EQ(b.schedule.total_times, 4);

  const PruningGroup& s = c.groups[2];
  EXPECT_TRUE(s.soft());
  EXPECT_EQ(s.sparse_threshold, 0.1);
  EXPECT_EQ(s.granularity, Granularity::weight);
}

TEST(PruningConfigParse, RejectsUnknownKeysNamingThem) {
  json g = head_group();
  g["sparsity"] = 0.5;
  const std::string e = parse_error(json::array({head_group(), g}));
  EXPECT_TRUE(has(e, "cfg.json: unknown field \"[1].sparsity\""));
}

TEST(PruningConfigParse, RejectsBothOrNeitherTarget) {
  json both = head_group();
  both["sparse_threshold"] = 0.1;
  EXPECT_TRUE(has(parse_error(json::array({both})),
                  "field \"[0].sparse_ratio\" or \"sparse_threshold\": "
                  "exactly one must be given"));
  json neither = head_group();
  neither.erase("sparse_ratio");
  EXPECT_TRUE(has(parse_error(json::array({neither})), "exactly one must be given"));
}

TEST(PruningConfigParse, RejectsRatioOutsideUnitInterval) {
  for (double bad : {1.0, -0.1, 1.5}) {
    json g = head_group();
    g["sparse_ratio"] = bad;
    const std::string e = parse_error(json::array({head_group(), head_group(), g}));
    EXPECT_TRUE(has(e, "field \"[2].sparse_ratio\" must lie in [0, 1), got " + json(bad).dump()));
  }
  json text = head_group();
  text["sparse_ratio"] = "half";
  EXPECT_TRUE(has(parse_error(json::array({text})),
                  "field \"[0].sparse_ratio\" must be a number or \"follow_heads\", got \"half\""));
}

TEST(PruningConfigParse, FollowHeadsNeedsPerLayerRankingAndNoThreshold) {
  json ffn{{"op_names", {R"(bert\.encoder\.layer\.[0-9]+\.intermediate\.dense\.weight)"}},
           {"scorer", "taylor"},
           {"sparse_ratio", "follow_heads"},
           {"granularity", "out_channel"}};
  const PruningConfig config = PruningConfig::from_json(json::array({ffn}));
  EXPECT_TRUE(config.groups[0].ratio_follows_heads);
  EXPECT_EQ(config.groups[0].sparse_ratio, 0.5);
  json global = ffn;
  global["ranking"] = "global";
  EXPECT_TRUE(has(parse_error(json::array({global})),
                  "field \"[0].sparse_ratio\" \"follow_heads\" sets one ratio "
                  "per encoder layer, so ranking must be \"per_layer\""));
  json both = ffn;
  both["sparse_threshold"] = 0.3;
  both["scorer"] = "movement";
  EXPECT_TRUE(has(parse_error(json::array({both})), "exactly one must be given"));
  json pooler = ffn;
  pooler["op_names"] = {R"(bert\.pooler\.dense\.weight)"};
  EXPECT_TRUE(has(resolve_error(json::array({pooler})),
                  "group 0: field \"sparse_ratio\" \"follow_heads\" needs encoder-layer parameters, but "
                  "bert.pooler.dense.weight is outside the encoder layers"));
}

TEST(PruningConfigParse, RejectsBadThresholdAndSoftModeWithoutMovement) {
  json g = head_group();
  g.erase("sparse_ratio");
  g["sparse_threshold"] = 1.0;
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].sparse_threshold\" must lie in (0, 1)"));
  g["sparse_threshold"] = 0.2;
  g["scorer"] = "taylor";
  EXPECT_TRUE(has(parse_error(json::array({g})), "needs scorer \"movement\""));
}

TEST(PruningConfigParse, RejectsInvalidRegexNamingIt) {
  json g = head_group();
  g["op_names"] = {"bert\\.(encoder"};
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].op_names\" holds an invalid regular expression"));
  EXPECT_TRUE(has(parse_error(json::array({g})), "\"bert\\\\.(encoder\""));
  json x = head_group();
  x["exclude"] = {"[a-"};
  EXPECT_TRUE(has(parse_error(json::array({x})), "field \"[0].exclude\" holds an invalid regular expression"));
}

TEST(PruningConfigParse, RefusesWhatCannotMatchInLinearTimeAndHugePrograms) {
  json g = head_group();
  g["op_names"] = {"(a+)\\1"};  // a backreference
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].op_names\" holds an invalid regular expression"));
  g["op_names"] = {"(?=bert).*"};  // lookahead
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].op_names\" holds an invalid regular expression"));
  g["op_names"] = {"((((a{100}){100}){100}){100})"};
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].op_names\" holds an invalid regular expression"));
}

TEST(PruningConfigResolve, MatchesInLinearTimeWhateverThePatternAndName) {
  // std::regex backtracks: (a|aa)*c on 40 a's takes ~10^8 steps, and a 200000-character name
  // overflowed its recursion. Both finish at once now.
  const std::string long_name = "bert.encoder.layer.0." + std::string(200000, 'a') + ".LayerNorm.weight";
  const NamedShapes shapes = {{std::string(40, 'a'), {4}}, {long_name, {256}}};
  const auto params = describe_bert_parameters(shapes, named_bert_config("mini"));
  EXPECT_EQ(params[1].op_type, PruneOpType::layer_norm);
  EXPECT_EQ(params[1].layer, 0);
  json groups = {{{"op_names", {"(a|aa)*c", ".*LayerNorm\\.weight"}}, {"scorer", "magnitude"}, {"sparse_ratio", 0.5}}};
  EXPECT_TRUE(has(error_of([&] { resolve(PruningConfig::from_json(groups, "cfg.json"), params); }),
                  "regex \"(a|aa)*c\" matches no parameter"));
  groups[0]["op_names"] = {"(a|aa)*", ".*LayerNorm\\.weight"};
  const ResolvedPruning r = resolve(PruningConfig::from_json(groups, "cfg.json"), params);
  ASSERT_EQ(r.groups[0].parameters.size(), 2u);
  EXPECT_EQ(r.groups[0].parameters[1].name, long_name);
}

TEST(PruningConfigParse, RejectsBadGranularityScorerRankingAndTypes) {
  json g = head_group();
  g["granularity"] = "row";
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].granularity\" must be one of \"weight\", \"head\""));
  g["granularity"] = {64};
  EXPECT_TRUE(has(parse_error(json::array({g})), "[rows, cols] with two positive integers, got [64]"));
  g["granularity"] = {0, 64};
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].granularity[0]\" must be at least 1, got 0"));

  json s = head_group();
  s["scorer"] = "l1";
  EXPECT_TRUE(
      has(parse_error(json::array({s})), "field \"[0].scorer\" must be \"magnitude\", \"movement\" or \"taylor\""));
  s.erase("scorer");
  EXPECT_TRUE(has(parse_error(json::array({s})), "field \"[0].scorer\" is required"));

  json r = head_group();
  r["ranking"] = "local";
  EXPECT_TRUE(has(parse_error(json::array({r})), "field \"[0].ranking\" must be one of \"global\", \"per_layer\""));

  json t = head_group();
  t["op_types"] = {"Linear"};
  EXPECT_TRUE(has(parse_error(json::array({t})), "field \"[0].op_types\" must hold only"));
  t["op_types"] = json::array();
  EXPECT_TRUE(has(parse_error(json::array({t})), "field \"[0].op_types\" must be a non-empty list"));

  json n = head_group();
  n["op_names"] = "bert.*";
  EXPECT_TRUE(has(parse_error(json::array({n})), "field \"[0].op_names\" must be a non-empty list of strings"));
  n.erase("op_names");
  EXPECT_TRUE(has(parse_error(json::array({n})), "field \"[0].op_names\" is required"));
}

TEST(PruningConfigParse, RejectsHiddenWithoutDependencyGroup) {
  json g = head_group();
  g["granularity"] = "hidden";
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].dependency_group\" is required with granularity"));
}

TEST(PruningConfigParse, RejectsBadSchedules) {
  json g = head_group();
  g["warmup_steps"] = -1;
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].warmup_steps\" must be at least 0, got -1"));
  g["warmup_steps"] = 1.5;
  EXPECT_TRUE(
      has(parse_error(json::array({g})), "field \"[0].warmup_steps\" must be an integer of at least 0, got 1.5"));
  g["warmup_steps"] = 100;
  g["cooldown_begin_step"] = 100;
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].cooldown_begin_step\" must exceed warmup_steps (100)"));
  g["cooldown_begin_step"] = 300;
  g["interval_steps"] = 50;
  g["total_times"] = 5;  // 100 + 5 * 50 = 350 > 300
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].total_times\" times interval_steps (50)"));
  g["total_times"] = 4;
  EXPECT_EQ(parse_error(json::array({g})), "");
  g["interval_steps"] = 0;
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].interval_steps\" must be at least 1, got 0"));
  g["interval_steps"] = 1;
  g["regular_scale"] = -1;
  EXPECT_TRUE(has(parse_error(json::array({g})), "field \"[0].regular_scale\" must be a number of at least 0"));
}

TEST(PruningConfigParse, RejectsNonListsAndBadFiles) {
  EXPECT_TRUE(has(parse_error(json::object()), "must be a non-empty JSON list of groups"));
  EXPECT_TRUE(has(parse_error(json::array()), "must be a non-empty JSON list of groups"));
  EXPECT_TRUE(has(parse_error(json::array({1})), "field \"[0]\" must be a JSON object"));

  testing::ScratchDir dir;
  const auto broken = dir.path() / "broken.json";
  testing::write_bytes(broken, "[{\"op_names\": [");
  EXPECT_TRUE(
      has(error_of([&] { PruningConfig::load(broken); }), broken.string() + " (pruning config): not valid JSON"));
  EXPECT_TRUE(
      has(error_of([&] { PruningConfig::load(dir.path() / "absent.json"); }), "cannot open the pruning config"));
  const auto bad = dir.path() / "bad.json";
  testing::write_bytes(bad, R"([{"op_names": ["x"], "scorer": "taylor"}])");
  EXPECT_TRUE(has(error_of([&] { PruningConfig::load(bad); }), bad.string() + ": field \"[0]."));
}

TEST(PruningConfigResolve, AttentionHeadsExample) {
  const ResolvedPruning r = resolve(PruningConfig::load(example_config("attention_heads.json")), mini_model());
  ASSERT_EQ(r.groups.size(), 1u);
  const ResolvedGroup& g = r.groups[0];
  EXPECT_TRUE(g.group.soft());
  EXPECT_EQ(g.group.schedule.regular_scale, 10.0);
  ASSERT_EQ(g.parameters.size(), 16u);  // 4 layers x {query, key, value, attention.output.dense}
  for (const ResolvedParameter& p : g.parameters) EXPECT_EQ(p.mask_shape, (Shape{4})) << p.name;
  const ResolvedParameter& q = find(g, "bert.encoder.layer.2.attention.self.query.weight");
  EXPECT_EQ(q.shape, (Shape{256, 256}));
  EXPECT_EQ(q.layer, 2);
  EXPECT_EQ(q.mask_axis, (std::vector<int>{0, -1}));
  EXPECT_EQ(q.span, (std::vector<std::int64_t>{64, 1}));
  const ResolvedParameter& o = find(g, "bert.encoder.layer.3.attention.output.dense.weight");
  EXPECT_EQ(o.mask_axis, (std::vector<int>{-1, 0}));
  EXPECT_EQ(o.span, (std::vector<std::int64_t>{1, 64}));
  EXPECT_TRUE(r.dependencies.empty());
}

TEST(PruningConfigResolve, FfnExampleHasOneDependencyPerLayer) {
  const ResolvedPruning r = resolve(PruningConfig::load(example_config("ffn.json")), mini_model());
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].parameters.size(), 8u);  // intermediate.dense weight and bias, 4 layers
  EXPECT_EQ(r.groups[1].parameters.size(), 4u);  // output.dense weight, not attention.output.dense
  const ResolvedParameter& in = find(r.groups[0], "bert.encoder.layer.1.intermediate.dense.weight");
  EXPECT_EQ(in.shape, (Shape{1024, 256}));
  EXPECT_EQ(in.mask_shape, (Shape{1024}));
  EXPECT_EQ(in.mask_axis, (std::vector<int>{0, -1}));
  EXPECT_EQ(find(r.groups[0], "bert.encoder.layer.1.intermediate.dense.bias").mask_shape, (Shape{1024}));
  const ResolvedParameter& out = find(r.groups[1], "bert.encoder.layer.1.output.dense.weight");
  EXPECT_EQ(out.shape, (Shape{256, 1024}));
  EXPECT_EQ(out.mask_shape, (Shape{1024}));
  EXPECT_EQ(out.mask_axis, (std::vector<int>{-1, 0}));
  EXPECT_EQ(out.dependency, "ffn_1");

  ASSERT_EQ(r.dependencies.size(), 4u);
  for (int layer = 0; layer < 4; ++layer) {
    const ResolvedDependency& d = r.dependencies[layer];
    const std::string prefix = "bert.encoder.layer." + std::to_string(layer) + ".";
    EXPECT_EQ(d.name, "ffn_" + std::to_string(layer));
    EXPECT_EQ(d.mask_shape, (Shape{1024}));
    EXPECT_EQ(d.groups, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(d.parameters,
              (std::vector<std::string>{prefix + "intermediate.dense.weight", prefix + "intermediate.dense.bias",
                                        prefix + "output.dense.weight"}));
  }
}

TEST(PruningConfigResolve, EmbeddingExampleSharesTheHiddenSize) {
  const ResolvedPruning r = resolve(PruningConfig::load(example_config("embedding.json")), mini_model());
  ASSERT_EQ(r.groups.size(), 3u);
  EXPECT_EQ(names_of(r.groups[0]), (std::set<std::string>{"bert.embeddings.word_embeddings.weight",
                                                          "bert.embeddings.position_embeddings.weight",
                                                          "bert.embeddings.token_type_embeddings.weight"}));
  EXPECT_EQ(r.groups[1].parameters.size(), 18u);  // (embeddings + 2 per layer) LayerNorms x weight, bias
  // Per layer: Q, K, V and intermediate weights read it; both output projections (weight, bias) write
  // it; then the pooler's weight and bias and the classifier's weight.
  EXPECT_EQ(r.groups[2].parameters.size(), 4u * 8u + 3u);
  ASSERT_EQ(r.dependencies.size(), 1u);
  const ResolvedDependency& d = r.dependencies[0];
  EXPECT_EQ(d.name, "hidden");
  EXPECT_EQ(d.mask_shape, (Shape{256}));
  EXPECT_EQ(d.parameters.size(), 3u + 18u + 35u);
  EXPECT_EQ(d.groups, (std::vector<std::size_t>{0, 1, 2}));

  EXPECT_EQ(find(r.groups[0], "bert.embeddings.word_embeddings.weight").mask_axis, (std::vector<int>{-1, 0}));
  EXPECT_EQ(find(r.groups[2], "bert.pooler.dense.weight").mask_axis, (std::vector<int>{0, 0}));
  EXPECT_EQ(find(r.groups[2], "classifier.weight").mask_axis, (std::vector<int>{-1, 0}));
  EXPECT_EQ(find(r.groups[2], "bert.encoder.layer.0.attention.self.key.weight").mask_axis, (std::vector<int>{-1, 0}));
  EXPECT_EQ(find(r.groups[2], "bert.encoder.layer.0.output.dense.bias").mask_axis, (std::vector<int>{0}));
  EXPECT_EQ(find(r.groups[1], "bert.encoder.layer.3.output.LayerNorm.bias").mask_shape, (Shape{256}));
}

TEST(PruningConfigResolve, BlocksAndHeadsOnBaseShapes) {
  // Shapes only: bert-base's names and sizes, without building its 110M parameters.
  const BertConfig base = named_bert_config("base");
  const NamedShapes shapes = {{"encoder.layer.0.attention.self.query.weight", {768, 768}},
                              {"encoder.layer.0.attention.self.query.bias", {768}},
                              {"encoder.layer.0.intermediate.dense.weight", {3072, 768}}};
  const auto params = describe_bert_parameters(shapes, base);
  json blocks = {
      {{"op_names", {".*\\.weight"}}, {"scorer", "magnitude"}, {"sparse_ratio", 0.5}, {"granularity", {64, 64}}}};
  const ResolvedPruning b = resolve(PruningConfig::from_json(blocks), params);
  EXPECT_EQ(find(b.groups[0], "encoder.layer.0.attention.self.query.weight").mask_shape, (Shape{12, 12}));
  EXPECT_EQ(find(b.groups[0], "encoder.layer.0.intermediate.dense.weight").mask_shape, (Shape{48, 12}));
  EXPECT_EQ(find(b.groups[0], "encoder.layer.0.intermediate.dense.weight").span, (std::vector<std::int64_t>{64, 64}));

  json heads = {{{"op_names", {".*query.*"}}, {"scorer", "movement"}, {"sparse_ratio", 0.5}, {"granularity", "head"}}};
  const ResolvedPruning h = resolve(PruningConfig::from_json(heads), params);
  EXPECT_EQ(find(h.groups[0], "encoder.layer.0.attention.self.query.weight").mask_shape, (Shape{12}));
  EXPECT_EQ(find(h.groups[0], "encoder.layer.0.attention.self.query.bias").mask_shape, (Shape{12}));

  json weights = {{{"op_names", {".*"}}, {"exclude", {".*bias"}}, {"scorer", "magnitude"}, {"sparse_ratio", 0.9}}};
  const ResolvedPruning w = resolve(PruningConfig::from_json(weights), params);
  EXPECT_EQ(w.groups[0].parameters.size(), 2u);
  EXPECT_EQ(find(w.groups[0], "encoder.layer.0.intermediate.dense.weight").mask_shape, (Shape{3072, 768}));
}

TEST(PruningConfigResolve, HeadsFollowEachLayersShape) {
  // A model whose layer 1 kept 2 heads of 64: the mask has one entry per head left.
  BertConfig config = named_bert_config("mini");
  config.layer_shapes[1].heads = 2;
  const NamedShapes shapes = {{"encoder.layer.0.attention.self.value.weight", {256, 256}},
                              {"encoder.layer.1.attention.self.value.weight", {128, 256}},
                              {"encoder.layer.1.attention.output.dense.weight", {256, 128}},
                              {"encoder.layer.2.attention.self.value.weight", {100, 256}}};
  const auto params = describe_bert_parameters(shapes, config);
  EXPECT_EQ(params[1].layer, 1);
  EXPECT_EQ(params[1].head_axis, 0);
  EXPECT_EQ(params[2].head_axis, 1);
  EXPECT_EQ(params[1].hidden_axes, std::vector<int>{1});
  EXPECT_EQ(params[2].hidden_axes, std::vector<int>{0});
  json heads = {{{"op_names", {R"(encoder\.layer\.[01]\..*)"}},
                 {"scorer", "movement"},
                 {"sparse_ratio", 0.5},
                 {"granularity", "head"}}};
  const ResolvedPruning r = resolve(PruningConfig::from_json(heads), params);
  EXPECT_EQ(r.groups[0].parameters[0].mask_shape, (Shape{4}));
  EXPECT_EQ(r.groups[0].parameters[1].mask_shape, (Shape{2}));
  EXPECT_EQ(r.groups[0].parameters[2].mask_shape, (Shape{2}));
  heads[0]["op_names"] = {R"(encoder\.layer\.2\..*)"};
  EXPECT_TRUE(has(error_of([&] { resolve(PruningConfig::from_json(heads, "cfg.json"), params); }),
                  "cfg.json: group 0: field \"granularity\" \"head\" on encoder.layer.2.attention.self.value.weight "
                  "(shape [100, 256]): axis 0 (100) is not a multiple of the head size 64"));
}

TEST(PruningConfigResolve, RejectsRegexMatchingNothing) {
  json g = head_group();
  g["op_names"] = {R"(bert\.encoder\.layer\.[0-9]+\.attention\.self\.query\.weight)", R"(bert\.encoder\.layer\.9\..*)"};
  EXPECT_TRUE(has(resolve_error(json::array({g})),
                  R"(cfg.json: group 0: field "op_names" regex "bert\.encoder\.layer\.9\..*" matches no parameter)"));
  // Names that match but are all filtered out by op_types.
  json t = head_group();
  t["op_types"] = {"embedding"};
  EXPECT_TRUE(has(resolve_error(json::array({t})), "matches 4 parameter(s), but none is left after op_types"));
  json x = head_group();
  x["exclude"] = {R"(.*layer\.7\..*)"};
  EXPECT_TRUE(has(resolve_error(json::array({x})),
                  R"(group 0: field "exclude" regex ".*layer\.7\..*" matches no parameter that op_names selects)"));
}

TEST(PruningConfigResolve, RejectsInvalidRegexBuiltInCode) {
  PruningConfig c;
  c.source = "code";
  PruningGroup g;
  g.op_names = {"(unclosed"};
  g.sparse_ratio = 0.5;
  c.groups = {g};
  EXPECT_TRUE(has(error_of([&] { resolve(c, mini_model()); }),
                  "code: group 0: field \"op_names\" holds an invalid regular expression \"(unclosed\""));
}

TEST(PruningConfigResolve, RejectsGranularityThatDoesNotDivide) {
  json g = head_group();
  g["granularity"] = {48, 64};
  EXPECT_TRUE(has(resolve_error(json::array({g})),
                  "group 0: field \"granularity\" [48, 64] on bert.encoder.layer.0.attention.self.query.weight "
                  "(shape [256, 256]): the block does not divide the shape"));
  json bias = head_group();
  bias["op_names"] = {R"(bert\.pooler\.dense\.bias)"};
  bias["granularity"] = {1, 1};
  EXPECT_TRUE(has(resolve_error(json::array({bias})), "(shape [256]): blocks need a 2-D weight"));
  bias["granularity"] = "in_channel";
  EXPECT_TRUE(has(resolve_error(json::array({bias})), "input channels are the columns of a 2-D linear weight"));
  json emb = head_group();
  emb["op_names"] = {R"(bert\.embeddings\.word_embeddings\.weight)"};
  emb["granularity"] = "out_channel";
  EXPECT_TRUE(has(resolve_error(json::array({emb})), "(shape [30522, 256]): an embedding has no output channels"));
  emb["granularity"] = "hidden";
  emb["dependency_group"] = "h";
  emb["op_names"] = {R"(bert\.encoder\.layer\.0\.intermediate\.dense\.bias)"};
  EXPECT_TRUE(has(resolve_error(json::array({emb})),
                  "intermediate.dense.bias (shape [1024]): the parameter has no hidden-size axis"));
}

TEST(PruningConfigResolve, RejectsHeadGranularityOffAttention) {
  json g = head_group();
  g["op_names"] = {R"(bert\.encoder\.layer\.[0-9]+\.intermediate\.dense\.weight)"};
  EXPECT_TRUE(has(resolve_error(json::array({g})),
                  "group 0: field \"granularity\" \"head\" on bert.encoder.layer.0.intermediate.dense.weight "
                  "(shape [1024, 256]): head granularity needs an attention parameter"));
  g["op_names"] = {R"(bert\.encoder\.layer\.0\.attention\.output\.dense\.bias)"};
  EXPECT_TRUE(has(resolve_error(json::array({g})), "head granularity needs an attention parameter"));
}

TEST(PruningConfigResolve, RejectsParameterInTwoGroups) {
  json other = head_group();
  other["op_names"] = {R"(bert\.encoder\.layer\.1\..*\.weight)"};
  other["op_types"] = {"linear"};
  other["granularity"] = "weight";
  EXPECT_TRUE(has(resolve_error(json::array({head_group(), other})),
                  "group 1: field \"op_names\" selects bert.encoder.layer.1.attention.self.query.weight, which "
                  "group 0 selects too"));
}

TEST(PruningConfigResolve, RejectsInconsistentDependencyGroups) {
  json ffn_in = {{"op_names", {R"(bert\.encoder\.layer\.[0-9]+\.intermediate\.dense\.weight)"}},
                 {"scorer", "taylor"},
                 {"sparse_ratio", 0.5},
                 {"granularity", "out_channel"},
                 {"dependency_group", "ffn_{layer}"}};
  json attn_out = ffn_in;
  attn_out["op_names"] = {R"(bert\.encoder\.layer\.[0-9]+\.attention\.output\.dense\.weight)"};
  attn_out["granularity"] = "in_channel";
  EXPECT_TRUE(has(resolve_error(json::array({ffn_in, attn_out})),
                  "group 1: field \"dependency_group\" \"ffn_{layer}\": "
                  "bert.encoder.layer.0.attention.output.dense.weight has mask shape [256] but "
                  "bert.encoder.layer.0.intermediate.dense.weight in the same dependency group \"ffn_0\" has [1024]"));

  json ffn_out = ffn_in;
  ffn_out["op_names"] = {R"(bert\.encoder\.layer\.[0-9]+\.output\.dense\.weight)"};
  ffn_out["granularity"] = "in_channel";
  ffn_out["sparse_ratio"] = 0.3;
  EXPECT_TRUE(has(resolve_error(json::array({ffn_in, ffn_out})),
                  "group 1: field \"sparse_ratio\" differs from group 0 although both are in dependency group "
                  "\"ffn_0\""));
  ffn_out["sparse_ratio"] = 0.5;
  EXPECT_EQ(resolve_error(json::array({ffn_in, ffn_out})), "");

  json emb = {{"op_names", {R"(bert\.embeddings\.word_embeddings\.weight)"}},
              {"scorer", "taylor"},
              {"sparse_ratio", 0.5},
              {"granularity", "hidden"},
              {"dependency_group", "h_{layer}"}};
  EXPECT_TRUE(has(resolve_error(json::array({emb})),
                  "field \"dependency_group\" \"h_{layer}\": bert.embeddings.word_embeddings.weight is outside "
                  "the encoder layers"));
}

}  // namespace
}  // namespace pare
