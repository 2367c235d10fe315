// BasicTokenizer: BERT's pre-tokenisation, splitting text into words before WordPiece.
// Follows Hugging Face's BasicTokenizer / BertNormalizer + BertPreTokenizer:
//  1. clean text: drop NUL, U+FFFD and control characters (Unicode C* except tab, LF, CR); turn
//     every whitespace character into a space;
//  2. put spaces around CJK ideographs so each becomes a word;
//  3. split on whitespace; lower-case each word (simple per-character mapping) and strip accents
//     (canonical decomposition, then drop nonspacing marks Mn);
//  4. split every punctuation character off as its own word: Unicode P* plus the ASCII symbols
//     BERT counts as punctuation ($, +, <, =, >, ^, `, | and ~ included).
// Special tokens ("never split") found verbatim in the raw text are kept as single words, untouched.
// Invalid UTF-8 bytes decode to U+FFFD, which step 1 drops (as BERT drops U+FFFD); without clean
// text they stay as U+FFFD characters. Differences from Python's BasicTokenizer: no NFC pass, and
// lower-casing maps one character at a time (final sigma stays σ; "İ" becomes "i", the same as
// Python's "i̇" once accents are stripped).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pare {

struct BasicTokenizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool lowercase = true;
  std::optional<bool> strip_accents;  // unset: follows `lowercase`, as in BERT
  std::vector<std::string> never_split;
};

// A word with where each of its characters came from: spans[i] is the byte range [begin, end) in the
// original text of the character that became code point i of `text` (lower-casing maps one character
// to one; accent stripping keeps the base letter's range, so "é" (2 bytes) stays 2 bytes wide).
struct SpannedWord {
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
};

class BasicTokenizer {
 public:
  explicit BasicTokenizer(BasicTokenizerOptions options);

  // Words of `text`, in order; a never_split token comes out as one word.
  std::vector<std::string> split(std::string_view text) const;
  // The same words with the byte ranges of their characters in `text`.
  std::vector<SpannedWord> split_with_offsets(std::string_view text) const;

  bool is_never_split(std::string_view word) const;
  const BasicTokenizerOptions& options() const { return options_; }

 private:
  // The words, with their characters' spans when `with_spans` (split() needs none and saves the work).
  std::vector<SpannedWord> split_words(std::string_view text, bool with_spans) const;
  // Words of text[begin, end), the spans counted from the start of `text`.
  void split_segment(std::string_view text, std::size_t begin, std::size_t end, bool with_spans,
                     std::vector<SpannedWord>& words) const;

  BasicTokenizerOptions options_;
  bool strip_accents_;
};

// Character classes of BERT's rules (exposed for tests).
bool is_bert_whitespace(char32_t cp);
bool is_bert_control(char32_t cp);
bool is_bert_punctuation(char32_t cp);
bool is_cjk_ideograph(char32_t cp);

}  // namespace pare
