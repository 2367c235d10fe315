// load_tokenizer: finds the tokenizer of a Hugging Face model directory (or takes one file).
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/tokenizers/sentencepiece_tokenizer.h"
#include "models/tokenizers/tokenizer.h"
#include "models/tokenizers/wordpiece_tokenizer.h"
#include "runtime/error.h"
#include "runtime/io/json_file.h"
#include "runtime/io/json_reader.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) { return read_json_file(path, "tokenizer file"); }

// The "model" "type" of a tokenizer.json ("WordPiece", "Unigram", "BPE", ...). A file without one is
// no tokenizer.json of any kind: it is refused naming the file and what is wrong, where passing it
// over would report "no tokenizer found" beside it.
std::string tokenizer_json_model_type(const fs::path& path) {
  const json root = read_json(path);
  const auto invalid = [&](const std::string& problem) {
    return Error(detail::concat(path.string(), ": not a valid tokenizer.json: ", problem));
  };
  if (!root.is_object()) throw invalid(detail::concat("the file holds a JSON ", root.type_name(), ", not an object"));
  const auto model = root.find("model");
  if (model == root.end()) throw invalid("it has no \"model\" field");
  if (!model->is_object()) throw invalid(detail::concat("field \"model\" must be an object, got ", model->dump()));
  const auto type = model->find("type");
  if (type == model->end() || !type->is_string()) {
    throw invalid(detail::concat("field \"model.type\" must name the model (\"WordPiece\", \"Unigram\", ...), got ",
                                 type == model->end() ? std::string("nothing") : type->dump()));
  }
  return type->get<std::string>();
}

// BERT's basic-tokenizer settings for a vocab.txt: tokenizer_config.json beside it when present,
// otherwise Hugging Face's BertTokenizer defaults (uncased).
WordPieceOptions vocab_options(const fs::path& vocab_file) {
  WordPieceOptions options;
  const fs::path config_file = vocab_file.parent_path() / "tokenizer_config.json";
  if (!fs::is_regular_file(config_file)) return options;
  const json config = read_json(config_file);
  // HF's file holds many settings pare has no use for (model_max_length, special tokens' names).
  const JsonReader reader(config, config_file.string(), "", UnknownKeys::allow);
  options.basic.lowercase = reader.get<bool>("do_lower_case", true);
  options.basic.strip_accents = reader.optional<bool>("strip_accents");
  options.basic.handle_chinese_chars = reader.get<bool>("tokenize_chinese_chars", true);
  return options;
}

std::unique_ptr<Tokenizer> load_file(const fs::path& file) {
  if (file.extension() == ".json") {
    return std::make_unique<WordPieceTokenizer>(WordPieceTokenizer::from_tokenizer_json(file));
  }
  if (file.extension() == ".model") return std::make_unique<SentencePieceTokenizer>(file);
  return std::make_unique<WordPieceTokenizer>(WordPieceTokenizer::from_vocab_file(file, vocab_options(file)));
}

// The sentencepiece model of `dir`: a conventional name first, else the only *.model file.
std::optional<fs::path> find_sentencepiece_model(const fs::path& dir) {
  for (const char* name : {"spiece.model", "sentencepiece.bpe.model", "tokenizer.model", "sentencepiece.model"}) {
    if (fs::is_regular_file(dir / name)) return dir / name;
  }
  std::vector<fs::path> models;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".model") models.push_back(entry.path());
  }
  if (models.empty()) return std::nullopt;
  std::sort(models.begin(), models.end());
  std::string names;
  for (const auto& model : models) {
    if (!names.empty()) names += ", ";
    names += model.filename().string();
  }
  PARE_CHECK(models.size() == 1, "tokenizer: ", dir, " holds several sentencepiece models (", names,
             "); pass the one to use");
  return models.front();
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& path) {
  PARE_CHECK(fs::exists(path), "tokenizer: ", path, " does not exist");
  if (!fs::is_directory(path)) return load_file(path);

  std::string tokenizer_json_note;
  if (const fs::path json_file = path / "tokenizer.json"; fs::is_regular_file(json_file)) {
    const std::string type = tokenizer_json_model_type(json_file);
    if (type == "WordPiece") return load_file(json_file);
    tokenizer_json_note = detail::concat("; tokenizer.json is there but its model type is '", type, "', not WordPiece");
  }
  if (const fs::path vocab = path / "vocab.txt"; fs::is_regular_file(vocab)) return load_file(vocab);
  if (const auto model = find_sentencepiece_model(path)) return load_file(*model);
  throw Error(detail::concat("tokenizer: no tokenizer found in ", path,
                             ": looked for tokenizer.json (WordPiece model), vocab.txt and a sentencepiece *.model"
                             " (spiece.model, sentencepiece.bpe.model, tokenizer.model or any *.model)",
                             tokenizer_json_note));
}

}  // namespace pare
