// Tokenizer: text to token ids for BERT-class models, with BERT's single and pair layouts
// ([CLS] a [SEP] and [CLS] a [SEP] b [SEP]), truncation to a maximum length and the special ids.
// Implementations: WordPieceTokenizer (vocab.txt, tokenizer.json) and SentencePieceTokenizer.
// A loaded tokenizer holds no mutable state: its const methods may run on several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pare {

// Ids of the special tokens a model has; a token the vocabulary lacks is empty.
struct SpecialTokenIds {
  std::optional<std::int64_t> cls, sep, pad, mask, unk;
};

// What to shorten when a pair does not fit: as Hugging Face's truncation strategies.
enum class Truncation {
  longest_first,  // drop the last token of the longer sequence (of the second on a tie) until it fits
  only_first,     // drop only from the first sequence; an error when that is not enough
  only_second,    // drop only from the second sequence; an error when that is not enough
};

// "longest_first", "only_first" or "only_second"; anything else throws naming the value.
Truncation parse_truncation(std::string_view name);

// One encoded input; the three vectors have the same length.
struct Encoding {
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> token_type_ids;  // 0 for [CLS] a [SEP], 1 for b [SEP]
  std::vector<std::string> tokens;
};

// Ids with the byte range [begin, end) of `text` each token stands for (a WordPiece continuation
// covers its own characters; a whole-word [UNK] the word).
struct TokenOffsets {
  std::vector<std::int64_t> ids;
  std::vector<std::pair<std::size_t, std::size_t>> offsets;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Ids of the pieces of `text`, without special tokens. Special tokens written in the text (for
  // example "[MASK]") are kept whole. Invalid UTF-8 never throws (see the implementation's notes).
  virtual std::vector<std::int64_t> encode(std::string_view text) const = 0;
  // encode() with where each token came from in `text`, for mapping answers given as character
  // positions (SQuAD) onto tokens and back. `text` must be valid UTF-8 (throws naming the first bad byte).
  virtual TokenOffsets encode_with_offsets(std::string_view text) const = 0;

  // Text of `ids`, pieces joined back as the model's scheme defines; special tokens left out when
  // `skip_special_tokens`.
  virtual std::string decode(std::span<const std::int64_t> ids, bool skip_special_tokens = true) const = 0;

  virtual std::int64_t vocab_size() const = 0;
  // The piece of `id`; throws when `id` is outside [0, vocab_size()).
  virtual std::string id_to_token(std::int64_t id) const = 0;
  virtual std::optional<std::int64_t> token_to_id(std::string_view token) const = 0;

  // Pieces of `text` (encode() mapped through id_to_token()).
  std::vector<std::string> tokenize(std::string_view text) const;

  // Each throws, naming the token, when the vocabulary lacks it.
  std::int64_t cls_id() const;
  std::int64_t sep_id() const;
  std::int64_t pad_id() const;
  std::int64_t mask_id() const;
  std::int64_t unk_id() const;

  // [CLS] text [SEP]. `max_length` counts the special tokens; 0 means no limit.
  Encoding encode_single(std::string_view text, std::size_t max_length = 0) const;
  // [CLS] first [SEP] second [SEP], truncated to `max_length` (0: no limit) by `truncation`.
  Encoding encode_pair(std::string_view first, std::string_view second, std::size_t max_length = 0,
                       Truncation truncation = Truncation::longest_first) const;

 protected:
  SpecialTokenIds special_;

 private:
  Encoding assemble(std::span<const std::int64_t> first, std::span<const std::int64_t> second, bool pair) const;
};

// Shortens `first` and `second` so together they hold at most `budget` tokens. Throws when the
// strategy cannot reach the budget (only_first/only_second with too short a sequence).
void truncate_pair(std::vector<std::int64_t>& first, std::vector<std::int64_t>& second, std::size_t budget,
                   Truncation truncation);

// The tokenizer of a Hugging Face model directory, or of one tokenizer file. Looks, in order, for
// tokenizer.json with a WordPiece model, vocab.txt (with tokenizer_config.json's do_lower_case,
// strip_accents and tokenize_chinese_chars when present), then a sentencepiece *.model file
// (spiece.model, sentencepiece.bpe.model, tokenizer.model, or a single other *.model). Throws
// listing what was looked for when none is usable.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir_or_file);

}  // namespace pare
