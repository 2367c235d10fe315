#include "models/tokenizers/basic_tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "models/tokenizers/utf8.h"  // decode_lossy, append, encode
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

std::u32string clean(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (cp == 0 || cp == utf8::kReplacementCharacter || is_bert_control(cp)) continue;
    out.push_back(is_bert_whitespace(cp) ? U' ' : cp);
  }
  return out;
}

std::u32string space_cjk(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (is_cjk_ideograph(cp)) {
      out.push_back(U' ');
      out.push_back(cp);
      out.push_back(U' ');
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

// Canonical decomposition (NFD), then every nonspacing mark dropped: "é" -> "e".
std::u32string strip_accents(const std::u32string& word) {
  if (std::all_of(word.begin(), word.end(), [](char32_t cp) { return cp < 0x80; })) return word;
  const std::string text = utf8::encode(word);
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t size =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &mapped, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  PARE_CHECK(size >= 0, "basic tokenizer: utf8proc_map failed on a word of ", text.size(),
             " bytes: ", utf8proc_errmsg(size));
  std::u32string out;
  for (char32_t cp : utf8::decode_lossy({reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(size)})) {
    if (category(cp) != UTF8PROC_CATEGORY_MN) out.push_back(cp);
  }
  return out;
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
    split_segment(text.substr(start, pos - start), words);
    words.push_back(*match);
    pos += match->size();
    start = pos;
  }
  split_segment(text.substr(start), words);
  return words;
}

void BasicTokenizer::split_segment(std::string_view text, std::vector<std::string>& words) const {
  if (text.empty()) return;
  std::u32string chars = utf8::decode_lossy(text);
  if (options_.clean_text) chars = clean(chars);
  if (options_.handle_chinese_chars) chars = space_cjk(chars);

  std::u32string word;
  auto emit_word = [&] {
    if (word.empty()) return;
    if (options_.lowercase) {
      for (char32_t& cp : word) cp = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
    }
    if (strip_accents_) word = strip_accents(word);
    std::string piece;
    for (char32_t cp : word) {
      if (is_bert_punctuation(cp)) {
        if (!piece.empty()) words.push_back(std::move(piece));
        piece.clear();
        utf8::append(piece, cp);
        words.push_back(std::move(piece));
        piece.clear();
      } else {
        utf8::append(piece, cp);
      }
    }
    if (!piece.empty()) words.push_back(std::move(piece));
    word.clear();
  };
  for (char32_t cp : chars) {
    if (is_split_whitespace(cp)) {
      emit_word();
    } else {
      word.push_back(cp);
    }
  }
  emit_word();
}

}  // namespace pare
