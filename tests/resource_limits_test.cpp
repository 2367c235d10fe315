// Limits checked before work begins: config sizes bounded so that no product overflows, a model too
// large for this machine refused with its sizes named (before any allocation), and input files that
// are devices or folders refused before a byte is read (/dev/zero would never end).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "data/text_lines.h"
#include "data/user_data.h"
#include "models/bert_heads.h"
#include "models/tokenizers/wordpiece_tokenizer.h"
#include "runtime/host_memory.h"
#include "runtime/io/json_file.h"
#include "tests/test_support.h"  // error_of, ScratchDir

namespace pare {
namespace {

using nlohmann::json;
using testing::error_of;
using testing::has;

json small_config() {
  return json{{"vocab_size", 100},        {"hidden_size", 16},       {"num_hidden_layers", 1},
              {"num_attention_heads", 4}, {"intermediate_size", 32}, {"max_position_embeddings", 32}};
}

TEST(ResourceLimits, ConfigSizesAreBoundedBeforeAnythingIsBuilt) {
  const std::pair<const char*, std::int64_t> fields[] = {{"vocab_size", std::int64_t{1} << 40},
                                                         {"hidden_size", std::int64_t{1} << 30},
                                                         {"num_hidden_layers", 1000000000},
                                                         {"num_labels", std::int64_t{1} << 40}};
  for (const auto& [field, value] : fields) {
    json config = small_config();
    config[field] = value;
    EXPECT_TRUE(has(error_of([&] { BertConfig::from_json(config, "config.json"); }),
                    std::string("config.json: field \"") + field + "\" must be at most"))
        << field;
  }
  json unsigned_huge = small_config();
  unsigned_huge["vocab_size"] = std::uint64_t{1} << 63;
  EXPECT_TRUE(has(error_of([&] { BertConfig::from_json(unsigned_huge, "config.json"); }), "must be at most"));
}

TEST(ResourceLimits, AModelLargerThanTheMachineIsRefusedWithItsSizes) {
  json config = small_config();
  config["vocab_size"] = std::int64_t{1} << 31;
  config["hidden_size"] = std::int64_t{1} << 20;
  config["num_attention_heads"] = 1;
  const BertConfig huge = BertConfig::from_json(config, "config.json");
  const std::string error = error_of([&] { make_bert_model(huge, BertTask::sequence_classification, 1); });
  EXPECT_TRUE(has(error, "the model's config (vocab_size 2147483648, hidden_size 1048576"));
  EXPECT_TRUE(has(error, "more than this machine's " + format_bytes(static_cast<double>(host_memory_bytes()))));
  EXPECT_NO_THROW(make_bert_model(BertConfig::from_json(small_config()), BertTask::sequence_classification, 1));
}

TEST(ResourceLimits, DevicesAndFoldersAreRefusedAsInputFiles) {
  const testing::ScratchDir dir;
  EXPECT_TRUE(has(error_of([] { read_json_file("/dev/zero", "model config"); }),
                  "/dev/zero: the model config is not a regular file"));
  EXPECT_TRUE(has(error_of([] { read_text_lines("/dev/zero"); }), "not a regular file"));
  EXPECT_TRUE(has(error_of([] { WordPieceTokenizer::from_vocab_file("/dev/urandom", {}); }), "not a regular file"));
  UserDataFiles files;
  std::filesystem::create_symlink("/dev/zero", dir.path() / "zero.tsv");
  files.train = dir.path() / "zero.tsv";
  files.text_column = "text";
  files.label_column = "label";
  EXPECT_TRUE(has(error_of([&] { user_label_names(files); }), "zero.tsv: the text file is not a regular file"));
  EXPECT_TRUE(has(error_of([&] { read_json_file(dir.path(), "pruning config"); }),
                  "cannot open the pruning config: it is a folder"));
  EXPECT_TRUE(has(error_of([&] { read_json_file(dir.path() / "absent.json", "pruning config"); }),
                  "cannot open the pruning config: no such file"));
}

}  // namespace
}  // namespace pare
