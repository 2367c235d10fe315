#include "data/tokenize.h"

#include "runtime/error.h"

namespace pare {
namespace {

TokenizedExample tokenize_words(const Tokenizer& tokenizer, const TextExample& example,
                                const TokenizeOptions& options) {
  const bool labelled = !example.tags.empty();
  PARE_CHECK(!labelled || example.tags.size() == example.words.size(), "example ", example.id, ": ",
             example.tags.size(), " tags for ", example.words.size(), " words");
  PARE_CHECK(options.max_length == 0 || options.max_length >= 2, "tokenize: max_length ", options.max_length,
             " cannot hold [CLS] and [SEP]");
  const std::size_t budget = options.max_length == 0 ? SIZE_MAX : options.max_length - 1;  // room for [SEP]
  std::vector<std::int64_t> ids = {tokenizer.cls_id()};
  std::vector<std::int64_t> word_of = {-1};
  for (std::size_t w = 0; w < example.words.size() && ids.size() < budget; ++w) {
    std::vector<std::int64_t> pieces = tokenizer.encode(example.words[w]);
    if (pieces.empty()) pieces.push_back(tokenizer.unk_id());
    for (std::size_t p = 0; p < pieces.size() && ids.size() < budget; ++p) {
      ids.push_back(pieces[p]);
      word_of.push_back(static_cast<std::int64_t>(w));
    }
  }
  ids.push_back(tokenizer.sep_id());
  word_of.push_back(-1);

  TokenizedExample out;
  out.token_type_ids.assign(ids.size(), 0);
  if (labelled) out.token_labels = first_subtoken_labels(word_of, example.tags);
  out.input_ids = std::move(ids);
  return out;
}

}  // namespace

TokenizedExample tokenize_example(const Tokenizer& tokenizer, const TaskInfo& task, const TextExample& example,
                                  const TokenizeOptions& options) {
  if (task.is_tagging()) return tokenize_words(tokenizer, example, options);
  Encoding encoding =
      example.text_b ? tokenizer.encode_pair(example.text_a, *example.text_b, options.max_length, options.truncation)
                     : tokenizer.encode_single(example.text_a, options.max_length);
  TokenizedExample out;
  out.input_ids = std::move(encoding.ids);
  out.token_type_ids = std::move(encoding.token_type_ids);
  out.label = example.label;
  out.score = example.score;
  return out;
}

std::vector<TokenizedExample> tokenize_examples(const Tokenizer& tokenizer, const TaskInfo& task,
                                                std::span<const TextExample> examples, const TokenizeOptions& options) {
  std::vector<TokenizedExample> out;
  out.reserve(examples.size());
  for (const TextExample& example : examples) out.push_back(tokenize_example(tokenizer, task, example, options));
  return out;
}

std::vector<std::size_t> token_lengths(std::span<const TokenizedExample> examples) {
  std::vector<std::size_t> lengths;
  lengths.reserve(examples.size());
  for (const auto& ex : examples) lengths.push_back(ex.input_ids.size());
  return lengths;
}

}  // namespace pare
