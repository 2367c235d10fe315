// WordPieceTokenizer: BERT's tokenizer. BasicTokenizer splits the text into words, then each word
// becomes the greedy longest-match-first sequence of vocabulary pieces, continuation pieces carrying
// the "##" prefix; a word with no such split, or longer than max_input_chars_per_word characters,
// becomes the single unknown token. Loads vocab.txt or a Hugging Face tokenizer.json.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/tokenizers/basic_tokenizer.h"
#include "models/tokenizers/tokenizer.h"

namespace pare {

struct WordPieceOptions {
  BasicTokenizerOptions basic;  // never_split gets the special tokens found in the vocabulary added
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  std::size_t max_input_chars_per_word = 100;
};

class WordPieceTokenizer final : public Tokenizer {
 public:
  // `vocab[id]` is the piece of id; pieces must be unique and unk_token among them.
  // The special ids are those of [CLS], [SEP], [PAD], [MASK] and the unknown token.
  WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options);

  // vocab.txt: one piece per line, id = line number (0-based); CR before LF is ignored.
  static WordPieceTokenizer from_vocab_file(const std::filesystem::path& path, WordPieceOptions options);
  // tokenizer.json with "model": {"type": "WordPiece", ...}: vocabulary, unknown token, prefix and word
  // length from the model; lowercase, strip_accents, handle_chinese_chars and clean_text from a
  // BertNormalizer (all off without a normalizer); "added_tokens" added and kept whole.
  static WordPieceTokenizer from_tokenizer_json(const std::filesystem::path& path);

  std::vector<std::int64_t> encode(std::string_view text) const override;
  TokenOffsets encode_with_offsets(std::string_view text) const override;
  // Pieces joined by spaces, continuation pieces glued to the piece before them.
  std::string decode(std::span<const std::int64_t> ids, bool skip_special_tokens = true) const override;
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(vocab_.size()); }
  std::string id_to_token(std::int64_t id) const override;
  std::optional<std::int64_t> token_to_id(std::string_view token) const override;

  const WordPieceOptions& options() const { return options_; }

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // The pieces of `word` appended to `ids`; with `piece_chars`, each piece's [first, last) character
  // index in the word too (a whole-word [UNK] covers every character).
  void encode_word(const std::string& word, std::vector<std::int64_t>& ids,
                   std::vector<std::pair<std::size_t, std::size_t>>* piece_chars = nullptr) const;
  bool is_special(std::int64_t id) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int64_t, StringHash, std::equal_to<>> ids_;
  WordPieceOptions options_;
  BasicTokenizer basic_;
  std::int64_t unk_;
};

}  // namespace pare
