#include "models/tokenizers/wordpiece_tokenizer.h"

#include <algorithm>

#include "models/tokenizers/utf8.h"  // first_invalid_byte
#include "runtime/error.h"
#include "runtime/io/input_file.h"

namespace pare {
namespace {

constexpr const char* kBertSpecialTokens[] = {"[CLS]", "[SEP]", "[PAD]", "[MASK]"};

// The options with every special token the vocabulary has added to never_split, so "[MASK]" written
// in a text stays one token instead of becoming "[", "mask", "]".
WordPieceOptions with_special_tokens(const std::vector<std::string>& vocab, WordPieceOptions options) {
  auto add = [&](const std::string& token) {
    if (std::find(vocab.begin(), vocab.end(), token) == vocab.end()) return;
    auto& never_split = options.basic.never_split;
    if (std::find(never_split.begin(), never_split.end(), token) == never_split.end()) never_split.push_back(token);
  };
  for (const char* token : kBertSpecialTokens) add(token);
  add(options.unk_token);
  return options;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options)
    : vocab_(std::move(vocab)), options_(with_special_tokens(vocab_, std::move(options))), basic_(options_.basic) {
  PARE_CHECK(!vocab_.empty(), "wordpiece: empty vocabulary");
  PARE_CHECK(options_.max_input_chars_per_word > 0, "wordpiece: max_input_chars_per_word must be positive");
  ids_.reserve(vocab_.size());
  // A repeated piece maps to its last id, as Hugging Face's vocab.txt reader does.
  for (std::size_t id = 0; id < vocab_.size(); ++id) ids_[vocab_[id]] = static_cast<std::int64_t>(id);
  const auto unk = token_to_id(options_.unk_token);
  PARE_CHECK(unk.has_value(), "wordpiece: the unknown token '", options_.unk_token, "' is not in the vocabulary (",
             vocab_.size(), " pieces)");
  unk_ = *unk;
  special_.cls = token_to_id("[CLS]");
  special_.sep = token_to_id("[SEP]");
  special_.pad = token_to_id("[PAD]");
  special_.mask = token_to_id("[MASK]");
  special_.unk = unk_;
}

WordPieceTokenizer WordPieceTokenizer::from_vocab_file(const std::filesystem::path& path, WordPieceOptions options) {
  const std::string text = read_input_file(path, "wordpiece vocabulary");
  std::vector<std::string> vocab;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(std::move(line));
    start = end + 1;
  }
  PARE_CHECK(!vocab.empty(), "wordpiece: vocabulary ", path, " is empty");
  try {
    return WordPieceTokenizer(std::move(vocab), std::move(options));
  } catch (const Error& e) {
    throw Error(detail::concat(e.what(), " [", path.string(), "]"));
  }
}

std::optional<std::int64_t> WordPieceTokenizer::token_to_id(std::string_view token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string WordPieceTokenizer::id_to_token(std::int64_t id) const {
  PARE_CHECK(id >= 0 && id < vocab_size(), "wordpiece: token id ", id, " outside the vocabulary [0, ", vocab_size(),
             ")");
  return vocab_[static_cast<std::size_t>(id)];
}

std::vector<std::int64_t> WordPieceTokenizer::encode(std::string_view text) const {
  std::vector<std::int64_t> ids;
  for (const std::string& word : basic_.split(text)) {
    if (basic_.is_never_split(word)) {
      ids.push_back(token_to_id(word).value_or(unk_));
    } else {
      encode_word(word, ids);
    }
  }
  return ids;
}

TokenOffsets WordPieceTokenizer::encode_with_offsets(std::string_view text) const {
  const auto bad = utf8::first_invalid_byte(text);
  PARE_CHECK(!bad, "tokenizer: the text is not valid UTF-8 at byte ", bad.value_or(0));
  TokenOffsets out;
  std::vector<std::pair<std::size_t, std::size_t>> pieces;
  for (const SpannedWord& word : basic_.split_with_offsets(text)) {
    pieces.clear();
    if (basic_.is_never_split(word.text)) {
      out.ids.push_back(token_to_id(word.text).value_or(unk_));
      pieces.emplace_back(0, word.spans.size());
    } else {
      encode_word(word.text, out.ids, &pieces);
    }
    for (const auto& [first, last] : pieces)
      out.offsets.emplace_back(word.spans[first].first, word.spans[last - 1].second);
  }
  return out;
}

void WordPieceTokenizer::encode_word(const std::string& word, std::vector<std::int64_t>& ids,
                                     std::vector<std::pair<std::size_t, std::size_t>>* piece_chars) const {
  // Byte offset of each character boundary (the basic tokenizer's words are valid UTF-8).
  std::vector<std::size_t> bounds;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) bounds.push_back(i);
  }
  const std::size_t chars = bounds.size();
  auto whole_word_unknown = [&](std::size_t first_id) {
    ids.resize(first_id);
    ids.push_back(unk_);
    if (piece_chars != nullptr) {
      piece_chars->clear();
      piece_chars->emplace_back(0, chars);
    }
  };
  if (chars > options_.max_input_chars_per_word) return whole_word_unknown(ids.size());
  bounds.push_back(word.size());
  const std::size_t first_id = ids.size();
  std::string candidate;
  std::size_t start = 0;
  while (start < chars) {
    std::optional<std::int64_t> found;
    std::size_t end = chars;
    for (; end > start; --end) {
      candidate.clear();
      if (start > 0) candidate = options_.continuing_subword_prefix;
      candidate.append(word, bounds[start], bounds[end] - bounds[start]);
      found = token_to_id(candidate);
      if (found) break;
    }
    // One piece that cannot be matched makes the whole word unknown.
    if (!found) return whole_word_unknown(first_id);
    ids.push_back(*found);
    if (piece_chars != nullptr) piece_chars->emplace_back(start, end);
    start = end;
  }
}

bool WordPieceTokenizer::is_special(std::int64_t id) const {
  for (const auto& special : {special_.cls, special_.sep, special_.pad, special_.mask, special_.unk}) {
    if (special == id) return true;
  }
  return false;
}

std::string WordPieceTokenizer::decode(std::span<const std::int64_t> ids, bool skip_special_tokens) const {
  const std::string& prefix = options_.continuing_subword_prefix;
  std::string text;
  for (std::int64_t id : ids) {
    if (skip_special_tokens && is_special(id)) continue;
    const std::string token = id_to_token(id);
    if (!prefix.empty() && token.size() > prefix.size() && token.compare(0, prefix.size(), prefix) == 0 &&
        !text.empty()) {
      text.append(token, prefix.size());
    } else {
      if (!text.empty()) text.push_back(' ');
      text += token;
    }
  }
  return text;
}

}  // namespace pare
