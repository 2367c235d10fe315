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

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

struct BasicTokenizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool lowercase = true;
  std::optional<bool> strip_accents;  // unset: follows `lowercase`, as in BERT
  std::vector<std::string> never_split;
};

class BasicTokenizer {
 public:
  explicit BasicTokenizer(BasicTokenizerOptions options);

  // Words of `text`, in order; a never_split token comes out as one word.
  std::vector<std::string> split(std::string_view text) const;

  bool is_never_split(std::string_view word) const;
  const BasicTokenizerOptions& options() const { return options_; }

 private:
  void split_segment(std::string_view text, std::vector<std::string>& words) const;

  BasicTokenizerOptions options_;
  bool strip_accents_;
};

// Character classes of BERT's rules (exposed for tests).
bool is_bert_whitespace(char32_t cp);
bool is_bert_control(char32_t cp);
bool is_bert_punctuation(char32_t cp);
bool is_cjk_ideograph(char32_t cp);

}  // namespace pare
