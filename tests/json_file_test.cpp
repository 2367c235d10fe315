// Every JSON reader goes through runtime/io/json_file.h: syntax errors and nesting beyond
// kMaxJsonDepth are refused at once with the file named, whichever file pare was reading (a model
// config, a pruning config, a recipe, a tokenizer.json, a JSONL row).
#include "runtime/io/json_file.h"

#include <gtest/gtest.h>

#include <chrono>

#include "data/user_data.h"
#include "models/bert_config.h"
#include "models/tokenizers/tokenizer.h"
#include "pipeline/recipe.h"
#include "prune/pruning_config.h"
#include "tests/test_support.h"

namespace pare {
namespace {

std::string nested(std::size_t depth) {
  std::string text(depth, '[');
  text.append(depth, ']');
  return text;
}

TEST(JsonFile, NestingUpToTheBoundParsesAndDeeperIsRefused) {
  EXPECT_NO_THROW(parse_json(nested(kMaxJsonDepth), "x"));
  const std::string error = testing::error_of([] { parse_json(nested(kMaxJsonDepth + 1), "cfg.json"); });
  EXPECT_NE(error.find("cfg.json: JSON nested deeper than 64 levels"), std::string::npos) << error;
  EXPECT_NE(testing::error_of([] { parse_json("{\"a\": ", "cfg.json"); }).find("cfg.json: not valid JSON"),
            std::string::npos);
}

TEST(JsonFile, EveryReaderRefusesAMillionLevelsQuicklyNamingTheFile) {
  const testing::ScratchDir dir;
  const std::string deep = nested(1'000'000);
  testing::write_bytes(dir.path() / "config.json", deep);
  testing::write_bytes(dir.path() / "pruning.json", deep);
  testing::write_bytes(dir.path() / "recipe.json", deep);
  testing::write_bytes(dir.path() / "tokenizer.json", deep);
  std::string rows = "{\"text\": \"a\", \"y\": \"b\"}\n{\"text\": ";
  rows.append(deep).append("}\n");
  testing::write_bytes(dir.path() / "rows.jsonl", rows);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::pair<std::string, std::function<void()>>> readers = {
      {"config.json", [&] { BertConfig::load(dir.path()); }},
      {"pruning.json", [&] { PruningConfig::load(dir.path() / "pruning.json"); }},
      {"recipe.json", [&] { Recipe::load(dir.path() / "recipe.json"); }},
      {"tokenizer.json", [&] { load_tokenizer(dir.path() / "tokenizer.json"); }},
      {"rows.jsonl:2", [&] {
         user_label_names(UserDataFiles{dir.path() / "rows.jsonl", {}, {}, "text", {}, "y"});
       }}};
  for (const auto& [file, read] : readers) {
    const std::string error = testing::error_of(read);
    EXPECT_NE(error.find(file), std::string::npos) << error;
    EXPECT_NE(error.find("nested deeper than"), std::string::npos) << error;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace pare
