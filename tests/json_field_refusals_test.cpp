// Every JSON file pare reads refuses a number that does not fit its field, naming the file, the
// field's path and the value as written, never wrapping it (18446744073709551615 read as the int64
// -1 once passed "interval_steps must be at least 1"); a key given twice is refused, and an unknown
// key too in pare's own files. One sweep per reader: bert config.json, a recipe, a pruning config,
// a run record (run.json), a stage record (stage.json) and a trainer state.
#include <gtest/gtest.h>

#include <functional>

#include "models/bert_config.h"
#include "pipeline/pipeline_options.h"
#include "pipeline/recipe.h"
#include "pipeline/run_report.h"
#include "prune/pruning_config.h"
#include "runtime/io/json_file.h"
#include "runtime/io/safetensors.h"
#include "tests/json_raw_text.h"  // with_raw
#include "tests/test_support.h"
#include "train/trainer_state.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::error_of;
using testing::has;
using testing::with_raw;

json head_group() {
  return {{"op_names", {R"(bert\.encoder\.layer\.[0-9]+\.attention\.self\.query\.weight)"}},
          {"scorer", "magnitude"},
          {"sparse_ratio", 0.5},
          {"granularity", "head"},
          {"interval_steps", 2}};
}

json recipe() {
  return {{"name", "r"},
          {"teacher", {{"steps", 10}}},
          {"stages", json::array({{{"name", "heads"}, {"steps", 20}, {"pruning", json::array({head_group()})}}})}};
}

// One file pare reads: a valid document, the integer count field to break (its pointer and the
// path messages name it by) and how pare reads the file, written under the name `file`.
struct Reader {
  std::string name;
  std::string file;
  json document;
  std::string field;  // a JSON pointer
  std::string path;
  std::function<void(const fs::path&)> read;
};

std::vector<Reader> readers() {
  PipelineOptions options;
  options.recipe = Recipe::from_json(recipe());
  const json trainer_state = {{"step", 12},
                              {"epoch", 0},
                              {"batches_in_epoch", 3},
                              {"data_seed", 5},
                              {"has_best", false},
                              {"best_metric", 0.0},
                              {"generators", {{"dropout", {{"seed", 1}, {"offset", 2}}}}},
                              {"extra", json::object()}};
  return {
      {"BertConfig", "config.json",
       json{{"model_type", "bert"},
            {"vocab_size", 20},
            {"hidden_size", 8},
            {"num_hidden_layers", 2},
            {"num_attention_heads", 2},
            {"intermediate_size", 12},
            {"max_position_embeddings", 8}},
       "/num_hidden_layers", "num_hidden_layers", [](const fs::path& file) { BertConfig::load(file); }},
      {"Recipe", "recipe.json", recipe(), "/stages/0/pruning/0/interval_steps", "stages[0].pruning[0].interval_steps",
       [](const fs::path& file) { Recipe::load(file); }},
      {"PruningConfig", "pruning.json", json::array({head_group()}), "/0/interval_steps", "[0].interval_steps",
       [](const fs::path& file) { PruningConfig::load(file); }},
      {"RunRecord", "run.json", options_json(options), "/latency_steps", "latency_steps",
       [](const fs::path& file) { options_from_json(read_json_file(file, "run record"), file.string()); }},
      {"RunRecordRecipe", "run.json", options_json(options), "/recipe/stages/0/steps", "recipe.stages[0].steps",
       [](const fs::path& file) { options_from_json(read_json_file(file, "run record"), file.string()); }},
      {"StageRecord", "stage.json",
       json{{"name", "heads"},
            {"kind", "prune"},
            {"dir", "1-heads"},
            {"model", "1-heads/compact"},
            {"masked_fraction", 0.5},
            {"parameters_removed", 100},
            {"wall_s", 3.0}},
       "/parameters_removed", "parameters_removed", [](const fs::path& file) { read_stage_record(file); }},
      {"TrainerState", "trainer_state.safetensors", trainer_state, "/step", "step",
       [](const fs::path& file) {
         // The state is the metadata of a safetensors file: the document becomes that file.
         save_safetensors(file, {}, {{"pare.trainer_state", testing::read_bytes(file)}});
         load_trainer_state(file);
       }},
  };
}

Reader reader_named(const std::string& name) {
  for (const Reader& reader : readers()) {
    if (reader.name == name) return reader;
  }
  throw Error("no reader " + name);
}

// The error reading `reader`'s document with `raw` written at its field; the source it names.
std::string error_with(const Reader& reader, const std::string& raw) {
  const testing::ScratchDir dir;
  const fs::path file = dir.path() / reader.file;
  testing::write_bytes(file, with_raw(reader.document, json::json_pointer(reader.field), raw));
  return error_of([&] { reader.read(file); });
}

struct BadNumber {
  std::string name;
  std::string written;
  std::string shown;  // how the message quotes it
};

const std::vector<BadNumber> kBadCounts = {
    {"TwoTo64Minus1", "18446744073709551615", "18446744073709551615"},
    {"TwoTo63", "9223372036854775808", "9223372036854775808"},
    {"OneE400", "1e400", "1e400"},
    {"MinusZero", "-0", "-0"},  // a count has no sign
    {"Fraction", "3.5", "3.5"},
    {"Negative", "-1", "-1"},
    {"String", "\"12\"", "\"12\""},
    {"Boolean", "true", "true"},
    {"Huge", "100000000000000000000", "100000000000000000000"},
};

class JsonFieldRefusal : public ::testing::TestWithParam<std::tuple<Reader, BadNumber>> {};

TEST_P(JsonFieldRefusal, NamesTheFileThePathAndTheValueAsWritten) {
  const auto& [reader, bad] = GetParam();
  const std::string error = error_with(reader, bad.written);
  EXPECT_TRUE(has(error, reader.file));
  EXPECT_TRUE(has(error, "field \"" + reader.path + "\""));
  EXPECT_TRUE(has(error, bad.shown));
}

INSTANTIATE_TEST_SUITE_P(EveryReader, JsonFieldRefusal,
                         ::testing::Combine(::testing::ValuesIn(readers()), ::testing::ValuesIn(kBadCounts)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_" + std::get<1>(info.param).name;
                         });

class JsonFileReader : public ::testing::TestWithParam<Reader> {};

TEST_P(JsonFileReader, AcceptsTheValidDocument) { EXPECT_EQ(error_with(GetParam(), "7"), ""); }

TEST_P(JsonFileReader, RefusesAKeyGivenTwice) {
  const Reader& reader = GetParam();
  const std::string key = reader.field.substr(reader.field.rfind('/') + 1);
  const std::string error = error_with(reader, "7, \"" + key + "\": 7");
  EXPECT_TRUE(has(error, reader.file));
  EXPECT_TRUE(has(error, "field \"" + reader.path + "\" is given twice"));
}

// pare's own files refuse a key they do not know, naming it and the known ones; HF's config.json
// keeps it (pare writes it back).
TEST_P(JsonFileReader, RefusesAnUnknownKeyInPareOwnFiles) {
  const Reader& reader = GetParam();
  const std::string key = reader.field.substr(reader.field.rfind('/') + 1);
  const std::string error = error_with(reader, "7, \"" + key + "_typo\": 7");
  if (reader.name == "BertConfig") {
    EXPECT_EQ(error, "");
    return;
  }
  EXPECT_TRUE(has(error, reader.file));
  EXPECT_TRUE(has(error, "unknown field \"" + reader.path + "_typo\" (known: "));
  EXPECT_TRUE(has(error, key));
}

INSTANTIATE_TEST_SUITE_P(EveryReader, JsonFileReader, ::testing::ValuesIn(readers()),
                         [](const auto& info) { return info.param.name; });

// pare's own field inside HF's config.json refuses unknown keys too.
TEST(JsonFields, UnknownKeysOfLayerShapesAreRefused) {
  const testing::ScratchDir dir;
  json config = reader_named("BertConfig").document;
  config["hidden_size"] = 9;
  config["pare_layer_shapes"] = json::array({{{"heads", 2}, {"head_dim", 3}, {"ffn_dim", 4}},
                                             {{"heads", 0}, {"head_dim", 3}, {"ffn_dim", 0}, {"ffn_dims", 1}}});
  testing::write_bytes(dir.path() / "config.json", config.dump());
  EXPECT_TRUE(has(error_of([&] { BertConfig::load(dir.path()); }), "unknown field \"pare_layer_shapes[1].ffn_dims\""));
}

// The fields with unsigned types refuse what has a sign.
TEST(JsonFields, UnsignedFieldsRefuseNegatives) {
  Reader run = reader_named("RunRecord");
  run.field = "/seed";
  EXPECT_TRUE(has(error_with(run, "-1"), "field \"seed\" must be at least 0, got -1"));
  run.field = "/max_train";
  EXPECT_TRUE(has(error_with(run, "-0"), "field \"max_train\" must be an integer of at least 0, got -0"));
  Reader state = reader_named("TrainerState");
  state.field = "/generators/dropout/offset";
  EXPECT_TRUE(has(error_with(state, "-5"), "field \"generators.dropout.offset\" must be at least 0, got -5"));
  Reader recipe_batch = reader_named("Recipe");
  recipe_batch.field = "/stages/0/batch";
  EXPECT_TRUE(has(error_with(recipe_batch, "-32"), "field \"stages[0].batch\" must be at least 1, got -32"));
}

}  // namespace
}  // namespace pare
