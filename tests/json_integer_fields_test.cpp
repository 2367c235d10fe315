// Every integer field of every JSON file pare reads, found by walking a valid document rather than
// listed by hand: each integer leaf in turn is replaced by -1, 2^53, 2^63 and 2^64-1 (and by 0 where
// the field is a count), and the reader must refuse it with a pare::Error naming the field's path
// and the value as written. Past 2^53 JSON tools disagree on an integer's value, so pare reads no
// quantity that large; the few fields that are bit patterns (seeds, generator state words) take
// every uint64 instead, and the exceptions below say why each one is one.
//
// The files without an integer field pare reads are not here: tokenizer_config.json (booleans) and
// the sharded checkpoint index (shard names; its metadata is not read).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <regex>

#include "models/bert_config.h"
#include "models/tokenizers/wordpiece_tokenizer.h"
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

// One file pare reads: a valid sample document and how pare reads it from `file`.
struct Sample {
  std::string name;
  std::string file;
  json document;
  std::function<void(const fs::path& file)> read;
};

void PrintTo(const Sample& sample, std::ostream* out) { *out << sample.name; }

json read_json(const fs::path& file) { return json::parse(testing::read_bytes(file)); }

std::vector<Sample> samples() {
  std::vector<Sample> out;
  // The shipped recipes and pruning configs, as a user starts from them.
  const fs::path source_dir = fs::path(PARE_TEST_DATA_DIR).parent_path().parent_path();
  for (const fs::path& dir : {shipped_recipe_dir(), source_dir / "prune" / "configs"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      const bool recipe = dir == shipped_recipe_dir();
      out.push_back({(recipe ? "recipe_" : "pruning_") + entry.path().stem().string(), "sample.json",
                     read_json(entry.path()), [recipe, dir](const fs::path& file) {
                       // A recipe names its pruning configs relative to its own folder.
                       if (recipe) Recipe::from_json(read_json_file(file, "recipe"), file.string(), dir);
                       if (!recipe) PruningConfig::load(file);
                     }});
    }
  }
  // What the shipped files do not use: distillation's teacher layers, block granularity.
  json distilled = read_json(shipped_recipe_dir() / "quick.json");
  distilled["stages"][0]["distill"] = {{"layer_map", "cofi"}, {"teacher_layers", {2, 4}}};
  out.push_back({"recipe_teacher_layers", "sample.json", distilled, [](const fs::path& file) { Recipe::load(file); }});
  const json blocks = json::array({{{"op_names", {R"(bert\.encoder\.layer\.[0-9]+\.intermediate\.dense\.weight)"}},
                                    {"scorer", "magnitude"},
                                    {"sparse_ratio", 0.5},
                                    {"granularity", {4, 8}},
                                    {"warmup_steps", 2},
                                    {"cooldown_begin_step", 20},
                                    {"interval_steps", 3},
                                    {"total_times", 4}}});
  out.push_back({"pruning_blocks", "sample.json", blocks, [](const fs::path& file) { PruningConfig::load(file); }});
  // config.json as pare writes it for a pruned model (pare_layer_shapes, pruned_heads, labels).
  BertConfig pruned = BertConfig::load(fs::path(PARE_TEST_DATA_DIR) / "bert_tiny" / "pruned");
  pruned.layer_shapes[1].ffn_dim = 20;
  out.push_back({"bert_config", "config.json", pruned.to_json(), [](const fs::path& file) { BertConfig::load(file); }});
  out.push_back({"tokenizer_json", "tokenizer.json",
                 read_json(fs::path(PARE_TEST_DATA_DIR) / "tokenizers" / "wordpiece" / "tokenizer.json"),
                 [](const fs::path& file) { WordPieceTokenizer::from_tokenizer_json(file); }});
  // run.json as pare writes it for the quick recipe.
  PipelineOptions options;
  options.recipe = shipped_recipe("quick");
  options.max_train = 2000;
  options.max_eval = 300;
  out.push_back({"run_json", "run.json", options_json(options),
                 [](const fs::path& file) { options_from_json(read_json_file(file, "run record"), file.string()); }});
  out.push_back({"stage_json", "stage.json",
                 json{{"name", "heads"},
                      {"kind", "prune"},
                      {"dir", "1-heads"},
                      {"model", "1-heads/compact"},
                      {"masked_fraction", 0.5},
                      {"parameters_removed", 100},
                      {"wall_s", 3.0}},
                 [](const fs::path& file) { read_stage_record(file); }});
  TrainerState state;
  state.step = 12;
  state.batches_in_epoch = 3;
  state.data_seed = 5;
  state.generators = {{"dropout", {1, 2}}, {"masking", {3, 4}}};
  state.extra = json::object();
  const testing::ScratchDir dir;
  save_trainer_state(dir.path() / "state.safetensors", state);
  const std::string metadata =
      SafetensorsFile::open(dir.path() / "state.safetensors").metadata().at("pare.trainer_state");
  out.push_back({"trainer_state", "trainer_state.safetensors", json::parse(metadata), [](const fs::path& file) {
                   // The state is the metadata of a safetensors file: the document becomes that file.
                   save_safetensors(file, {}, {{"pare.trainer_state", testing::read_bytes(file)}});
                   load_trainer_state(file);
                 }});
  return out;
}

// A field the sweep treats otherwise, by the path messages name it by (a regular expression).
struct Exception {
  std::string path;
  std::string why;
};

// Bit patterns: every uint64 is valid, only a sign is refused. A run started with
// --seed 18446744073709551615 must resume.
const std::vector<Exception> kBitPatterns = {
    {R"(seed)", "run.json: the run's --seed"},
    {R"(data_seed)", "trainer state: the data order's seed, derived from --seed"},
    {R"(generators\.\w+\.(seed|offset))", "trainer state: a counter-based generator's key and counter words"},
};

// Not integer fields, or not read: any value passes.
const std::vector<Exception> kNotIntegers = {
    {R"(.*\[\d+\]\.regular_scale)", "pruning schedule: a real number, 10 as good as 10.0"},
    {R"(label2id\..*)", "config.json: the inverse of id2label, written back from it"},
    {R"(post_processor\.(cls|sep)\[1\])", "tokenizer.json: pare takes [CLS] and [SEP] from the vocabulary"},
};

// Counts: 0 means nothing and is refused too. Every other integer field takes 0 (a step, an index,
// "no warm-up", "all examples", "only at the end").
const std::vector<Exception> kCounts = {
    {R"((.*\.)?(stages\[\d+\]|teacher|pretrain)\.(steps|batch))", "recipe: training steps and batch of a stage"},
    {R"((.*\.)?(seq|batch|eval_batch|vocab_size))", "recipe and config.json: sizes"},
    {R"(.*\[\d+\]\.(interval_steps|total_times|cooldown_begin_step))", "pruning schedule: steps and times"},
    {R"(.*\[\d+\]\.granularity\[\d\])", "pruning: block rows and columns"},
    {R"(.*teacher_layers\[\d+\])", "distillation: 1-based teacher layer numbers"},
    {R"((hidden_size|num_attention_heads|max_position_embeddings|type_vocab_size|num_labels))", "config.json sizes"},
    {R"(pare_layer_shapes\[\d+\]\.head_dim)", "config.json: a layer's head size"},
    {R"(model\.max_input_chars_per_word)", "tokenizer.json: longest word"},
};

bool listed(const std::vector<Exception>& list, const std::string& path) {
  for (const Exception& e : list) {
    if (std::regex_match(path, std::regex(e.path))) return true;
  }
  return false;
}

// Every integer leaf of `value`: its JSON pointer and the path pare's messages name it by.
void integer_leaves(const json& value, const json::json_pointer& pointer, const std::string& path,
                    std::vector<std::pair<json::json_pointer, std::string>>& out) {
  if (value.is_number_integer()) out.emplace_back(pointer, path);
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      integer_leaves(member, pointer / key, path.empty() ? key : path + "." + key, out);
    }
  }
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      integer_leaves(value[i], pointer / i, path + "[" + std::to_string(i) + "]", out);
    }
  }
}

std::string error_reading(const Sample& sample, const std::string& text) {
  const testing::ScratchDir dir;
  const fs::path file = dir.path() / sample.file;
  testing::write_bytes(file, text);
  return error_of([&] { sample.read(file); });
}

class JsonIntegerFields : public ::testing::TestWithParam<Sample> {};

TEST_P(JsonIntegerFields, RefuseWhatNoToolReadsAlikeAndZeroCounts) {
  const Sample& sample = GetParam();
  ASSERT_EQ(error_reading(sample, sample.document.dump()), "");
  std::vector<std::pair<json::json_pointer, std::string>> leaves;
  integer_leaves(sample.document, json::json_pointer(), "", leaves);
  ASSERT_FALSE(leaves.empty());
  for (const auto& [pointer, path] : leaves) {
    if (listed(kNotIntegers, path)) continue;
    const bool bits = listed(kBitPatterns, path);
    std::vector<std::string> refused = {"-1"};
    for (const std::string big : {"9007199254740992", "9223372036854775808", "18446744073709551615"}) {
      if (!bits) {
        refused.push_back(big);
      } else {
        EXPECT_EQ(error_reading(sample, with_raw(sample.document, pointer, big)), "") << path << " = " << big;
      }
    }
    if (listed(kCounts, path)) refused.push_back("0");
    for (const std::string& raw : refused) {
      const std::string error = error_reading(sample, with_raw(sample.document, pointer, raw));
      EXPECT_TRUE(has(error, "field \"" + path + "\"")) << raw;
      EXPECT_TRUE(has(error, "got " + raw)) << path;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryReader, JsonIntegerFields, ::testing::ValuesIn(samples()),
                         [](const auto& info) { return info.param.name; });

// The exceptions are fields some sample holds: a renamed field would otherwise leave one behind.
TEST(JsonIntegerFieldsTable, EveryExceptionMatchesAField) {
  std::vector<std::string> paths;
  for (const Sample& sample : samples()) {
    std::vector<std::pair<json::json_pointer, std::string>> leaves;
    integer_leaves(sample.document, json::json_pointer(), "", leaves);
    for (const auto& leaf : leaves) paths.push_back(leaf.second);
  }
  for (const auto* list : {&kBitPatterns, &kNotIntegers, &kCounts}) {
    for (const Exception& e : *list) {
      const bool found = std::any_of(paths.begin(), paths.end(),
                                     [&](const std::string& p) { return std::regex_match(p, std::regex(e.path)); });
      EXPECT_TRUE(found) << e.path << " (" << e.why << ") matches no integer field of any sample";
    }
  }
}

}  // namespace
}  // namespace pare
