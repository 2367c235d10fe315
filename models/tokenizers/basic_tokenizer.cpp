#include "models/tokenizers/basic_tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdint>

#include "models/tokenizers/utf8.h"  // kReplacementCharacter, append
#include "runtime/error.h"

namespace pare {
namespace {

utf8proc_category_t category(char32_t cp) { return utf8proc_category(static_cast<utf8proc_int32_t>(cp)); }

// Whitespace for splitting words: BERT's set plus the remaining Unicode White_Space characters,
// which only matter when clean text is off (clean text drops the control ones among them).
bool is_split_whitespace(char32_t cp) {
  return is_bert_whitespace(cp) || cp == 0x0B || cp == 0x0C || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85 ||
         cp == 0x2028 || cp == 0x2029;
}

// A character of the text being split, with the bytes of the original text it stands for.
struct SpannedChar {
  char32_t cp;
  std::size_t begin, end;
};

// text[begin, end) as characters with their byte ranges; each invalid byte becomes U+FFFD.
std::vector<SpannedChar> decode_spanned(std::string_view text, std::size_t begin, std::size_t end) {
  std::vector<SpannedChar> out;
  out.reserve(end - begin);
  for (std::size_t at = begin; at < end;) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x80) {  // ASCII, most of most texts: no decoder call
      out.push_back({byte, at, at + 1});
      ++at;
      continue;
    }
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at),
                                                static_cast<utf8proc_ssize_t>(end - at), &cp);
    const std::size_t width = n > 0 ? static_cast<std::size_t>(n) : 1;
    out.push_back({n > 0 ? static_cast<char32_t>(cp) : utf8::kReplacementCharacter, at, at + width});
    at += width;
  }
  return out;
}

void clean(std::vector<SpannedChar>& chars) {
  std::erase_if(chars, [](const SpannedChar& c) {
    return c.cp == 0 || c.cp == utf8::kReplacementCharacter || is_bert_control(c.cp);
  });
  for (SpannedChar& c : chars) {
    if (is_bert_whitespace(c.cp)) c.cp = U' ';
  }
}

void space_cjk(std::vector<SpannedChar>& chars) {
  std::vector<SpannedChar> out;
  out.reserve(chars.size());
  for (const SpannedChar& c : chars) {
    if (is_cjk_ideograph(c.cp)) {
      out.push_back({U' ', c.begin, c.begin});
      out.push_back(c);
      out.push_back({U' ', c.end, c.end});
    } else {
      out.push_back(c);
    }
  }
  chars = std::move(out);
}

// Canonical decomposition (NFD), then every nonspacing mark dropped: "é" -> "e", keeping the span.
// One character at a time: the marks canonical ordering would reorder are the ones dropped.
void strip_accents(std::vector<SpannedChar>& word) {
  if (std::all_of(word.begin(), word.end(), [](const SpannedChar& c) { return c.cp < 0x80; })) return;
  std::vector<SpannedChar> out;
  out.reserve(word.size());
  for (const SpannedChar& c : word) {
    if (c.cp < 0x80) {
      out.push_back(c);
      continue;
    }
    utf8proc_int32_t decomposed[8];
    int boundclass = 0;
    const utf8proc_ssize_t n =
        utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c.cp), decomposed, 8,
                                static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE), &boundclass);
    PARE_CHECK(n >= 0 && n <= 8, "basic tokenizer: utf8proc_decompose_char failed on U+",
               static_cast<std::uint32_t>(c.cp));
    for (utf8proc_ssize_t i = 0; i < n; ++i) {
      const auto cp = static_cast<char32_t>(decomposed[i]);
      if (category(cp) != UTF8PROC_CATEGORY_MN) out.push_back({cp, c.begin, c.end});
    }
  }
  word = std::move(out);
}

}  // namespace

bool is_bert_whitespace(char32_t cp) {
  return cp == U' ' || cp == U'\t' || cp == U'\n' || cp == U'\r' || category(cp) == UTF8PROC_CATEGORY_ZS;
}

bool is_bert_control(char32_t cp) {
  if (cp == U'\t' || cp == U'\n' || cp == U'\r') return false;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS:
      return true;
    default:
      return false;
  }
}

bool is_bert_punctuation(char32_t cp) {
  // BERT treats every non-alphanumeric ASCII symbol as punctuation, though Unicode files $+<=>^`|~
  // under symbols (S*).
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  const utf8proc_category_t c = category(cp);
  return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

bool is_cjk_ideograph(char32_t cp) {
  // The CJK Unified Ideographs blocks and extensions A-E plus the compatibility ideographs, as BERT
  // lists them (Hangul, kana and CJK punctuation are not in these blocks).
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

BasicTokenizer::BasicTokenizer(BasicTokenizerOptions options)
    : options_(std::move(options)), strip_accents_(options_.strip_accents.value_or(options_.lowercase)) {
  std::erase_if(options_.never_split, [](const std::string& token) { return token.empty(); });
  // Longest first, so a special token that extends another wins at the same position.
  std::sort(options_.never_split.begin(), options_.never_split.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

bool BasicTokenizer::is_never_split(std::string_view word) const {
  return std::find(options_.never_split.begin(), options_.never_split.end(), word) != options_.never_split.end();
}

std::vector<std::string> BasicTokenizer::split(std::string_view text) const {
  std::vector<std::string> words;
  for (SpannedWord& word : split_words(text, false)) words.push_back(std::move(word.text));
  return words;
}

std::vector<SpannedWord> BasicTokenizer::split_with_offsets(std::string_view text) const {
  return split_words(text, true);
}

std::vector<SpannedWord> BasicTokenizer::split_words(std::string_view text, bool with_spans) const {
  std::vector<SpannedWord> words;
  std::size_t start = 0;  // first byte not yet tokenized
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::string* match = nullptr;
    for (const std::string& token : options_.never_split) {
      if (text.compare(pos, token.size(), token) == 0) {
        match = &token;
        break;
      }
    }
    if (match == nullptr) {
      ++pos;
      continue;
    }
    split_segment(text, start, pos, with_spans, words);
    SpannedWord special{*match, {}};
    if (with_spans) {
      for (const SpannedChar& c : decode_spanned(text, pos, pos + match->size())) {
        special.spans.emplace_back(c.begin, c.end);
      }
    }
    words.push_back(std::move(special));
    pos += match->size();
    start = pos;
  }
  split_segment(text, start, text.size(), with_spans, words);
  return words;
}

void BasicTokenizer::split_segment(std::string_view text, std::size_t begin, std::size_t end, bool with_spans,
                                   std::vector<SpannedWord>& words) const {
  if (begin == end) return;
  std::vector<SpannedChar> chars = decode_spanned(text, begin, end);
  if (options_.clean_text) clean(chars);
  if (options_.handle_chinese_chars) space_cjk(chars);

  std::vector<SpannedChar> word;
  SpannedWord piece;
  auto flush_piece = [&] {
    if (!piece.text.empty()) words.push_back(std::move(piece));
    piece = SpannedWord{};
  };
  auto emit_word = [&] {
    if (word.empty()) return;
    if (options_.lowercase) {
      for (SpannedChar& c : word) c.cp = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c.cp)));
    }
    if (strip_accents_) strip_accents(word);
    for (const SpannedChar& c : word) {
      if (is_bert_punctuation(c.cp)) {
        flush_piece();
        utf8::append(piece.text, c.cp);
        if (with_spans) piece.spans.emplace_back(c.begin, c.end);
        flush_piece();
      } else {
        utf8::append(piece.text, c.cp);
        if (with_spans) piece.spans.emplace_back(c.begin, c.end);
      }
    }
    flush_piece();
    word.clear();
  };
  for (const SpannedChar& c : chars) {
    if (is_split_whitespace(c.cp)) {
      emit_word();
    } else {
      word.push_back(c);
    }
  }
  emit_word();
}

}  // namespace pare
