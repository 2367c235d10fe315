// WordPieceTokenizer::from_tokenizer_json: reads the parts of a Hugging Face tokenizer.json that
// define a BERT WordPiece tokenizer, and refuses files whose pipeline pare would not reproduce.
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/tokenizers/wordpiece_tokenizer.h"
#include "runtime/error.h"
#include "runtime/io/json_file.h"
#include "runtime/io/json_path.h"
#include "runtime/io/json_reader.h"

namespace pare {
namespace {

using nlohmann::json;

// Puts `token` at `id`, growing the vocabulary by one at most (ids must stay contiguous).
void place(std::vector<std::string>& vocab, std::vector<bool>& filled, std::int64_t id, const std::string& token,
           const std::filesystem::path& path) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= vocab.size()) {
    vocab.resize(index + 1);
    filled.resize(index + 1, false);
  }
  PARE_CHECK(!filled[index] || vocab[index] == token, "tokenizer.json ", path, ": id ", id, " given to both '",
             vocab[index], "' and '", token, "'");
  vocab[index] = token;
  filled[index] = true;
}

// Ids a vocabulary may use: below 2^31, so they fit the int32 token ids of a batch.
const Bounds<std::int64_t> kTokenIds{0, (std::int64_t{1} << 31) - 1};

void read_normalizer(const JsonReader& root, BasicTokenizerOptions& basic) {
  if (!root.has("normalizer")) {
    basic.clean_text = basic.handle_chinese_chars = basic.lowercase = false;
    basic.strip_accents = false;
    return;
  }
  const JsonReader normalizer = root.member("normalizer", UnknownKeys::allow);
  const std::string type = normalizer.get<std::string>("type", "");
  PARE_CHECK(type == "BertNormalizer", "tokenizer.json ", root.source(), ": normalizer type '", type,
             "' is not supported (pare reads BertNormalizer or none)");
  basic.clean_text = normalizer.get<bool>("clean_text", true);
  basic.handle_chinese_chars = normalizer.get<bool>("handle_chinese_chars", true);
  basic.lowercase = normalizer.get<bool>("lowercase", true);
  basic.strip_accents = normalizer.optional<bool>("strip_accents");
}

}  // namespace

WordPieceTokenizer WordPieceTokenizer::from_tokenizer_json(const std::filesystem::path& path) {
  const json document = read_json_file(path, "tokenizer.json");
  // A foreign format: HF's file carries parts pare does not read (truncation, padding, decoder).
  const JsonReader root(document, path.string(), "", UnknownKeys::allow);
  PARE_CHECK(root.has("model") && root.at("model").is_object(), "tokenizer.json ", path, ": no \"model\" object");
  const JsonReader model = root.member("model", UnknownKeys::allow);
  const std::string type = model.get<std::string>("type", "");
  PARE_CHECK(type == "WordPiece", "tokenizer.json ", path, ": model type '", type,
             "' is not supported (pare reads WordPiece; use the sentencepiece .model for others)");
  PARE_CHECK(model.has("vocab") && model.at("vocab").is_object(), "tokenizer.json ", path,
             ": model.vocab is not an object of token -> id");

  std::vector<std::string> vocab;
  std::vector<bool> filled;
  for (const auto& [token, id] : model.at("vocab").items()) {
    const std::string where = json_member_path(model.where("vocab"), token);
    place(vocab, filled, json_value_as<std::int64_t>(id, root.source(), where, kTokenIds), token, path);
  }
  WordPieceOptions options;
  if (root.has("added_tokens") && root.at("added_tokens").is_array()) {
    const json& added = root.at("added_tokens");
    for (std::size_t i = 0; i < added.size(); ++i) {
      const JsonReader entry(added[i], root.source(), json_element_path(root.where("added_tokens"), i),
                             UnknownKeys::allow);
      const std::string content = entry.required<std::string>("content");
      PARE_CHECK(!content.empty(), "tokenizer.json ", path, ": ", entry.where("content"), " is empty");
      place(vocab, filled, entry.required<std::int64_t>("id", kTokenIds), content, path);
      options.basic.never_split.push_back(content);
    }
  }
  for (std::size_t id = 0; id < filled.size(); ++id) {
    PARE_CHECK(filled[id], "tokenizer.json ", path, ": no token has id ", id, " (ids must run from 0 without gaps)");
  }

  options.unk_token = model.get<std::string>("unk_token", "[UNK]");
  options.continuing_subword_prefix = model.get<std::string>("continuing_subword_prefix", "##");
  options.max_input_chars_per_word =
      static_cast<std::size_t>(model.get<std::uint64_t>("max_input_chars_per_word", 100, {1, std::uint64_t{1} << 32}));
  read_normalizer(root, options.basic);
  const std::string pre_type =
      root.has("pre_tokenizer") ? root.member("pre_tokenizer", UnknownKeys::allow).get<std::string>("type", "") : "";
  PARE_CHECK(pre_type == "BertPreTokenizer", "tokenizer.json ", path, ": pre_tokenizer '",
             root.has("pre_tokenizer") ? pre_type : "null", "' is not supported (pare reads BertPreTokenizer)");
  try {
    return WordPieceTokenizer(std::move(vocab), std::move(options));
  } catch (const Error& e) {
    throw Error(detail::concat(e.what(), " [", path.string(), "]"));
  }
}

}  // namespace pare
