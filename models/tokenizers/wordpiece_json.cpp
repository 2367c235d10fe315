// WordPieceTokenizer::from_tokenizer_json: reads the parts of a Hugging Face tokenizer.json that
// define a BERT WordPiece tokenizer, and refuses files whose pipeline pare would not reproduce.
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/tokenizers/wordpiece_tokenizer.h"
#include "runtime/error.h"
#include "runtime/io/json_file.h"

namespace pare {
namespace {

using nlohmann::json;

template <typename T>
T field_or(const json& object, const char* key, T fallback, const std::filesystem::path& path) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception& e) {
    throw Error(detail::concat("tokenizer.json ", path, ": field '", key, "' has the wrong type: ", e.what()));
  }
}

// Puts `token` at `id`, growing the vocabulary by one at most (ids must stay contiguous).
void place(std::vector<std::string>& vocab, std::vector<bool>& filled, std::int64_t id, const std::string& token,
           const std::filesystem::path& path) {
  PARE_CHECK(id >= 0 && id < (std::int64_t{1} << 31), "tokenizer.json ", path, ": token '", token, "' has id ", id);
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

void read_normalizer(const json& normalizer, BasicTokenizerOptions& basic, const std::filesystem::path& path) {
  if (normalizer.is_null()) {
    basic.clean_text = basic.handle_chinese_chars = basic.lowercase = false;
    basic.strip_accents = false;
    return;
  }
  const std::string type = field_or<std::string>(normalizer, "type", "", path);
  PARE_CHECK(type == "BertNormalizer", "tokenizer.json ", path, ": normalizer type '", type,
             "' is not supported (pare reads BertNormalizer or none)");
  basic.clean_text = field_or<bool>(normalizer, "clean_text", true, path);
  basic.handle_chinese_chars = field_or<bool>(normalizer, "handle_chinese_chars", true, path);
  basic.lowercase = field_or<bool>(normalizer, "lowercase", true, path);
  const auto strip = normalizer.find("strip_accents");
  basic.strip_accents = strip == normalizer.end() || strip->is_null()
                            ? std::nullopt
                            : std::optional<bool>(field_or<bool>(normalizer, "strip_accents", false, path));
}

}  // namespace

WordPieceTokenizer WordPieceTokenizer::from_tokenizer_json(const std::filesystem::path& path) {
  const json root = read_json_file(path, "tokenizer.json");
  PARE_CHECK(root.is_object() && root.contains("model") && root["model"].is_object(), "tokenizer.json ", path,
             ": no \"model\" object");
  const json& model = root["model"];
  const std::string type = field_or<std::string>(model, "type", "", path);
  PARE_CHECK(type == "WordPiece", "tokenizer.json ", path, ": model type '", type,
             "' is not supported (pare reads WordPiece; use the sentencepiece .model for others)");
  PARE_CHECK(model.contains("vocab") && model["vocab"].is_object(), "tokenizer.json ", path,
             ": model.vocab is not an object of token -> id");

  std::vector<std::string> vocab;
  std::vector<bool> filled;
  for (const auto& [token, id] : model["vocab"].items()) {
    PARE_CHECK(id.is_number_integer(), "tokenizer.json ", path, ": id of '", token, "' is not an integer");
    place(vocab, filled, id.get<std::int64_t>(), token, path);
  }
  WordPieceOptions options;
  if (const auto added = root.find("added_tokens"); added != root.end() && added->is_array()) {
    for (const json& entry : *added) {
      const std::string content = field_or<std::string>(entry, "content", "", path);
      PARE_CHECK(!content.empty() && entry.contains("id") && entry["id"].is_number_integer(), "tokenizer.json ", path,
                 ": an added token lacks its content or integer id");
      place(vocab, filled, entry["id"].get<std::int64_t>(), content, path);
      options.basic.never_split.push_back(content);
    }
  }
  for (std::size_t id = 0; id < filled.size(); ++id) {
    PARE_CHECK(filled[id], "tokenizer.json ", path, ": no token has id ", id, " (ids must run from 0 without gaps)");
  }

  options.unk_token = field_or<std::string>(model, "unk_token", "[UNK]", path);
  options.continuing_subword_prefix = field_or<std::string>(model, "continuing_subword_prefix", "##", path);
  options.max_input_chars_per_word = field_or<std::size_t>(model, "max_input_chars_per_word", 100, path);
  read_normalizer(root.value("normalizer", json()), options.basic, path);
  const json pre_tokenizer = root.value("pre_tokenizer", json());
  const std::string pre_type = pre_tokenizer.is_object() ? field_or<std::string>(pre_tokenizer, "type", "", path) : "";
  PARE_CHECK(pre_type == "BertPreTokenizer", "tokenizer.json ", path, ": pre_tokenizer '",
             pre_tokenizer.is_null() ? "null" : pre_type, "' is not supported (pare reads BertPreTokenizer)");
  try {
    return WordPieceTokenizer(std::move(vocab), std::move(options));
  } catch (const Error& e) {
    throw Error(detail::concat(e.what(), " [", path.string(), "]"));
  }
}

}  // namespace pare
