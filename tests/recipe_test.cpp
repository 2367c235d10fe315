// Recipes (pipeline/recipe.h) and the run options stored beside a run (pipeline/pipeline_options.h):
// the shipped recipes parse and survive their own record, mistakes are named by field path, and a
// resumed run sees every difference between the options it was made with and those it is given.
#include "pipeline/recipe.h"

#include <gtest/gtest.h>

#include "pipeline/pipeline_options.h"
#include "runtime/json_differences.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using nlohmann::json;
using testing::error_of;

json minimal_recipe() {
  return json::parse(R"({
    "name": "r", "teacher": {"steps": 10},
    "stages": [{"name": "heads", "steps": 20, "pruning": [{"op_names": ["bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.output\\.dense\\.weight"],
      "scorer": "magnitude", "sparse_ratio": 0.5, "granularity": "head"}]}]})");
}

TEST(Recipe, ShippedRecipesParseAndSurviveTheirRecord) {
  for (const char* name : {"default", "quick"}) {
    SCOPED_TRACE(name);
    const Recipe recipe = shipped_recipe(name);
    ASSERT_EQ(recipe.stages.size(), 3u);
    EXPECT_EQ(recipe.stages[0].name, "heads");
    EXPECT_TRUE(recipe.stages[0].pruning.groups.at(0).soft());
    EXPECT_TRUE(recipe.stages[1].pruning.groups.at(0).ratio_follows_heads);
    EXPECT_EQ(recipe.stages[2].pruning.groups.at(0).granularity, Granularity::hidden);
    EXPECT_TRUE(recipe.stages[2].distill.enabled);
    const json record = recipe.to_json();
    EXPECT_EQ(Recipe::from_json(record, "record").to_json(), record);
  }
}

TEST(Recipe, Int8AndOnnxStepsAreOnUnlessSwitchedOffAndOnlyTheirAbsenceIsRecordedAsDefault) {
  for (const char* step : {"int8", "onnx"}) {
    SCOPED_TRACE(step);
    auto flag = [&](const Recipe& r) { return std::string(step) == "int8" ? r.int8 : r.onnx; };
    EXPECT_TRUE(flag(Recipe::from_json(minimal_recipe())));
    // A record written before the step existed reads as one with it: such a run resumes.
    EXPECT_FALSE(Recipe::from_json(minimal_recipe()).to_json().contains(step));
    json off = minimal_recipe();
    off[step] = false;
    const Recipe r = Recipe::from_json(off);
    EXPECT_FALSE(flag(r));
    EXPECT_EQ(r.to_json().at(step), false);
    EXPECT_FALSE(flag(Recipe::from_json(r.to_json(), "record")));
    off[step] = "no";
    EXPECT_NE(testing::error_of([&] { (void)Recipe::from_json(off, "r.json"); }).find(step), std::string::npos);
  }
}

TEST(Recipe, DefaultsFillWhatIsLeftOut) {
  const Recipe r = Recipe::from_json(minimal_recipe());
  EXPECT_EQ(r.seq, 128u);
  EXPECT_EQ(r.teacher.batch, 32u);
  EXPECT_DOUBLE_EQ(r.teacher.warmup_ratio, 0.1);
  EXPECT_EQ(r.attention_removed.steps, 0);
  EXPECT_DOUBLE_EQ(r.stages[0].distill.task_weight, 0.1);
  EXPECT_DOUBLE_EQ(r.stages[0].distill.options.logit_weight, 0.9);
  EXPECT_EQ(r.stages[0].distill.options.layer_map.kind, LayerMapKind::cofi);
}

TEST(Recipe, MistakesNameTheFieldPathAndValue) {
  json j = minimal_recipe();
  j["stages"][0]["lr"] = -1;
  EXPECT_NE(error_of([&] { Recipe::from_json(j, "my.json"); }).find("my.json: field \"stages[0].lr\""),
            std::string::npos);
  j = minimal_recipe();
  j["stages"][0]["stpes"] = 5;
  EXPECT_NE(error_of([&] { Recipe::from_json(j, "my.json"); }).find("unknown field \"stages[0].stpes\""),
            std::string::npos);
  j = minimal_recipe();
  j["stages"].push_back(j["stages"][0]);
  EXPECT_NE(error_of([&] { Recipe::from_json(j); }).find("used by an earlier stage"), std::string::npos);
  j = minimal_recipe();
  j["stages"][0]["name"] = "../x";
  EXPECT_NE(error_of([&] { Recipe::from_json(j); }).find("directory name"), std::string::npos);
  j = minimal_recipe();
  j["stages"][0]["pruning"][0]["sparse_ratio"] = 1.5;
  EXPECT_NE(error_of([&] { Recipe::from_json(j, "my.json"); }).find("stages[0].pruning"), std::string::npos);
  j = minimal_recipe();
  j["stages"][0]["distill"] = {{"temperature", 0}};
  EXPECT_NE(error_of([&] { Recipe::from_json(j); }).find("stages[0].distill.temperature"), std::string::npos);
  j = minimal_recipe();
  j.erase("teacher");
  EXPECT_NE(error_of([&] { Recipe::from_json(j); }).find("\"teacher\" is required"), std::string::npos);
}

TEST(Recipe, PruningFilesAreReadRelativeToTheRecipe) {
  const testing::ScratchDir dir;
  json j = minimal_recipe();
  testing::write_bytes(dir.path() / "heads.json", j["stages"][0]["pruning"].dump());
  j["stages"][0]["pruning"] = "heads.json";
  testing::write_bytes(dir.path() / "recipe.json", j.dump());
  const Recipe r = Recipe::load(dir.path() / "recipe.json");
  EXPECT_EQ(r.stages[0].pruning.groups.size(), 1u);
  EXPECT_TRUE(r.stages[0].pruning_json.is_array());  // inlined in the record
  testing::write_bytes(dir.path() / "heads.json", "[{");
  EXPECT_NE(error_of([&] { Recipe::load(dir.path() / "recipe.json"); }).find("heads.json"), std::string::npos);
}

TEST(PipelineOptions, RecordRoundTripsAndDifferencesAreListed) {
  PipelineOptions o;
  o.recipe = Recipe::from_json(minimal_recipe());
  o.model_dir = "models/x";
  o.data.user.train = "t.tsv";
  o.data.user.dev = "d.tsv";
  o.data.user.text_column = "text";
  o.data.user.label_column = "y";
  o.seed = 7;
  const json record = options_json(o);
  EXPECT_EQ(options_json(options_from_json(record, "run.json")), record);
  EXPECT_TRUE(json_differences(record, record).empty());

  PipelineOptions other = o;
  other.seed = 8;
  other.recipe.stages[0].train.lr = 3e-4;
  const std::vector<std::string> diffs = json_differences(record, options_json(other));
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_NE(diffs[0].find("recipe.stages"), std::string::npos);
  EXPECT_NE(diffs[1].find("seed: the run has 7, this command asks 8"), std::string::npos);
  EXPECT_NE(error_of([&] {
              options_from_json(json{{"seed", 1}}, "run.json");
            }).find("run.json: not a pare run"),
            std::string::npos);
}

}  // namespace
}  // namespace pare
