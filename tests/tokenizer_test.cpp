// WordPiece tokenizer: BERT's basic-tokenizer rules and greedy WordPiece against ids worked out by
// hand from tests/data/tokenizers/wordpiece/vocab.txt; pair layout and truncation; loading.
#include "models/tokenizers/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "models/tokenizers/basic_tokenizer.h"
#include "models/tokenizers/wordpiece_tokenizer.h"
#include "runtime/error.h"
#include "tests/test_support.h"  // ScratchDir, write_bytes, read_bytes, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<std::int64_t>;
using testing::error_of;
using testing::read_bytes;
using testing::ScratchDir;
using testing::write_bytes;

// Ids of tests/data/tokenizers/wordpiece/vocab.txt (line number - 1).
enum : std::int64_t {
  kPad,
  kUnk,
  kCls,
  kSep,
  kMask,
  kHello,
  kWorld,
  kHelloCasedAccent,
  kBang,
  kQuestion,
  kComma,
  kPeriod,
  kZhong,
  kWen,
  kUn,
  kAffSuffix,
  kAbleSuffix,
  kAbSuffix,
  kA,
  kBSuffix,
  kOpenBracket,
  kCloseBracket,
  kThe,
  kCat,
  kDollar,
  kSSuffix,
  kEAccent,
  kHelloAccent
};

const fs::path kData = fs::path(PARE_TEST_DATA_DIR) / "tokenizers" / "wordpiece";

WordPieceTokenizer uncased() { return WordPieceTokenizer::from_vocab_file(kData / "vocab.txt", {}); }

WordPieceTokenizer cased() {
  WordPieceOptions options;
  options.basic.lowercase = false;
  return WordPieceTokenizer::from_vocab_file(kData / "vocab.txt", options);
}

TEST(WordPiece, VocabularyAndSpecialIds) {
  const auto tok = uncased();
  EXPECT_EQ(tok.vocab_size(), 28);
  EXPECT_EQ(tok.cls_id(), kCls);
  EXPECT_EQ(tok.sep_id(), kSep);
  EXPECT_EQ(tok.pad_id(), kPad);
  EXPECT_EQ(tok.mask_id(), kMask);
  EXPECT_EQ(tok.unk_id(), kUnk);
  EXPECT_EQ(tok.id_to_token(kZhong), "中");
  EXPECT_EQ(tok.token_to_id("##able"), kAbleSuffix);
  EXPECT_FALSE(tok.token_to_id("dog").has_value());
  EXPECT_NE(error_of([&] { tok.id_to_token(28); }).find("outside the vocabulary"), std::string::npos);
  EXPECT_NE(error_of([&] { tok.id_to_token(-1); }).find("-1"), std::string::npos);
}

TEST(WordPiece, AccentsAreStrippedOnlyWhenUncased) {
  EXPECT_EQ(uncased().encode("Héllo World!"), (Ids{kHello, kWorld, kBang}));
  EXPECT_EQ(uncased().encode("HÉLLO"), (Ids{kHello}));
  EXPECT_EQ(uncased().encode("he\xCC\x81llo"), (Ids{kHello}));  // e + combining acute (decomposed input)
  EXPECT_EQ(cased().encode("Héllo world"), (Ids{kHelloCasedAccent, kWorld}));
  EXPECT_EQ(cased().encode("é"), (Ids{kEAccent}));
  EXPECT_EQ(cased().encode("Hello"), (Ids{kUnk}));  // no "H..." piece in the vocabulary

  WordPieceOptions keep_accents;
  keep_accents.basic.strip_accents = false;
  const auto lower_only = WordPieceTokenizer::from_vocab_file(kData / "vocab.txt", keep_accents);
  EXPECT_EQ(lower_only.encode("HÉLLO"), (Ids{kHelloAccent}));

  WordPieceOptions strip_cased;
  strip_cased.basic.lowercase = false;
  strip_cased.basic.strip_accents = true;
  EXPECT_EQ(WordPieceTokenizer::from_vocab_file(kData / "vocab.txt", strip_cased).encode("é hello"),
            (Ids{kUnk, kHello}));  // "e" is not a piece
}

TEST(WordPiece, CjkIdeographsBecomeSingleTokens) {
  EXPECT_EQ(uncased().encode("中文"), (Ids{kZhong, kWen}));
  EXPECT_EQ(uncased().encode("hello中文world"), (Ids{kHello, kZhong, kWen, kWorld}));
  EXPECT_EQ(uncased().tokenize("中文"), (std::vector<std::string>{"中", "文"}));
  // Without CJK handling "中文" is one word, which has no "##文" continuation.
  WordPieceOptions no_cjk;
  no_cjk.basic.handle_chinese_chars = false;
  EXPECT_EQ(WordPieceTokenizer::from_vocab_file(kData / "vocab.txt", no_cjk).encode("中文"), (Ids{kUnk}));
}

TEST(WordPiece, PunctuationRunsSplitIntoSingleCharacters) {
  EXPECT_EQ(uncased().encode("!!?"), (Ids{kBang, kBang, kQuestion}));
  EXPECT_EQ(uncased().encode("hello,world."), (Ids{kHello, kComma, kWorld, kPeriod}));
  // '$' is a Unicode currency symbol (Sc) but BERT splits every ASCII non-alphanumeric symbol.
  EXPECT_EQ(uncased().encode("cats$"), (Ids{kCat, kSSuffix, kDollar}));
  // Unicode punctuation: ideographic full stop (Po) and em dash (Pd) are split off and unknown.
  EXPECT_EQ(uncased().encode("hello。"), (Ids{kHello, kUnk}));
  EXPECT_EQ(uncased().encode("hello—world"), (Ids{kHello, kUnk, kWorld}));
}

TEST(WordPiece, EmptyAndWhitespaceOnlyTextGiveNoTokens) {
  EXPECT_TRUE(uncased().encode("").empty());
  EXPECT_TRUE(uncased().encode(" \t\n\r  ").empty());
  EXPECT_TRUE(uncased().encode("\xC2\xA0\xE3\x80\x80").empty());  // no-break and ideographic space (Zs)
  const Encoding single = uncased().encode_single("");
  EXPECT_EQ(single.ids, (Ids{kCls, kSep}));
}

TEST(WordPiece, WhitespaceAndControlCharactersAreCleaned) {
  EXPECT_EQ(uncased().encode("hello\xC2\xA0world"), (Ids{kHello, kWorld}));
  EXPECT_EQ(uncased().encode("hel\x01lo"), (Ids{kHello}));          // C0 control dropped
  EXPECT_EQ(uncased().encode("hel\xE2\x80\x8Blo"), (Ids{kHello}));  // zero-width space (Cf) dropped
  EXPECT_EQ(uncased().encode(std::string("hel\0lo", 6)), (Ids{kHello}));
}

TEST(WordPiece, GreedyLongestMatchWithContinuationPieces) {
  EXPECT_EQ(uncased().encode("unaffable"), (Ids{kUn, kAffSuffix, kAbleSuffix}));
  EXPECT_EQ(uncased().tokenize("unaffable"), (std::vector<std::string>{"un", "##aff", "##able"}));
  EXPECT_EQ(uncased().encode("abbb"), (Ids{kA, kBSuffix, kBSuffix, kBSuffix}));
  EXPECT_EQ(uncased().encode("unab"), (Ids{kUn, kAbSuffix}));
}

TEST(WordPiece, UnmatchedPiecesMakeTheWholeWordUnknown) {
  EXPECT_EQ(uncased().encode("unx"), (Ids{kUnk}));
  EXPECT_EQ(uncased().encode("hello dog cat"), (Ids{kHello, kUnk, kCat}));
  EXPECT_EQ(uncased().encode("xhello"), (Ids{kUnk}));
}

TEST(WordPiece, WordsOverTheLengthLimitAreUnknown) {
  const std::string at_limit = "a" + std::string(99, 'b');  // 100 characters: still split
  Ids expected{kA};
  expected.insert(expected.end(), 99, kBSuffix);
  EXPECT_EQ(uncased().encode(at_limit), expected);
  EXPECT_EQ(uncased().encode(at_limit + "b"), (Ids{kUnk}));
  EXPECT_EQ(uncased().encode("hello " + at_limit + "b world"), (Ids{kHello, kUnk, kWorld}));
  // The limit counts characters, not bytes: 60 two-byte "é" are 60 characters.
  std::string accents;
  for (int i = 0; i < 60; ++i) accents += "é";
  EXPECT_EQ(cased().encode(accents), (Ids{kUnk}));  // no "##é" piece, but not over the limit
  WordPieceOptions short_words;
  short_words.max_input_chars_per_word = 3;
  const auto tok = WordPieceTokenizer::from_vocab_file(kData / "vocab.txt", short_words);
  EXPECT_EQ(tok.encode("abb abbb"), (Ids{kA, kBSuffix, kBSuffix, kUnk}));
}

TEST(WordPiece, InvalidUtf8BytesAreReplacedThenDropped) {
  EXPECT_EQ(uncased().encode("hello \xFF\xFE world"), (Ids{kHello, kWorld}));
  EXPECT_EQ(uncased().encode("hello\xFF"), (Ids{kHello}));
  EXPECT_EQ(uncased().encode("\xE4\xB8 cat"), (Ids{kCat}));        // truncated 3-byte sequence
  EXPECT_EQ(uncased().encode("\xC0\xAF cat"), (Ids{kCat}));        // overlong encoding of '/'
  EXPECT_EQ(uncased().encode("\xED\xA0\x80 cat"), (Ids{kCat}));    // UTF-16 surrogate
  EXPECT_EQ(uncased().encode("\xE4\xB8\xAD\x80"), (Ids{kZhong}));  // valid 中 then a stray continuation
  EXPECT_TRUE(uncased().encode("\x80\x80\x80").empty());
  // Without text cleaning the replacement character stays and is an unknown word.
  WordPieceOptions raw;
  raw.basic.clean_text = false;
  EXPECT_EQ(WordPieceTokenizer::from_vocab_file(kData / "vocab.txt", raw).encode("cat \xFF"), (Ids{kCat, kUnk}));
}

TEST(WordPiece, SpecialTokensInsideTextAreKeptWhole) {
  EXPECT_EQ(uncased().encode("the [MASK] cat"), (Ids{kThe, kMask, kCat}));
  EXPECT_EQ(uncased().encode("hello[MASK]world"), (Ids{kHello, kMask, kWorld}));
  EXPECT_EQ(uncased().encode("[CLS]hello[SEP][SEP]"), (Ids{kCls, kHello, kSep, kSep}));
  EXPECT_EQ(uncased().encode("[UNK]"), (Ids{kUnk}));
  // Matching is exact: lower-case spellings are ordinary text.
  EXPECT_EQ(uncased().encode("[mask]"), (Ids{kOpenBracket, kUnk, kCloseBracket}));
  EXPECT_EQ(uncased().encode("[MASK"), (Ids{kOpenBracket, kUnk}));
}

TEST(WordPiece, DecodeJoinsContinuationPieces) {
  const auto tok = uncased();
  const Ids ids = tok.encode_pair("unaffable hello", "the cats").ids;
  EXPECT_EQ(tok.decode(ids), "unaffable hello the cats");
  EXPECT_EQ(tok.decode(ids, false), "[CLS] unaffable hello [SEP] the cats [SEP]");
}

TEST(Tokenizer, PairLayoutAndTokenTypes) {
  const Encoding e = uncased().encode_pair("hello world", "the cat");
  EXPECT_EQ(e.ids, (Ids{kCls, kHello, kWorld, kSep, kThe, kCat, kSep}));
  EXPECT_EQ(e.token_type_ids, (Ids{0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "hello", "world", "[SEP]", "the", "cat", "[SEP]"}));
  const Encoding single = uncased().encode_single("hello world", 3);
  EXPECT_EQ(single.ids, (Ids{kCls, kHello, kSep}));
  EXPECT_EQ(single.token_type_ids, (Ids{0, 0, 0}));
}

TEST(Tokenizer, PairTruncationStrategies) {
  const auto tok = uncased();
  const std::string first = "hello world hello world";  // 4 tokens
  const std::string second = "the cat";                 // 2 tokens
  auto pair = [&](std::size_t max_length, Truncation t) { return tok.encode_pair(first, second, max_length, t).ids; };
  // max_length 8 leaves 5 tokens for the texts; one must go.
  EXPECT_EQ(pair(8, Truncation::longest_first), (Ids{kCls, kHello, kWorld, kHello, kSep, kThe, kCat, kSep}));
  EXPECT_EQ(pair(8, Truncation::only_first), (Ids{kCls, kHello, kWorld, kHello, kSep, kThe, kCat, kSep}));
  EXPECT_EQ(pair(8, Truncation::only_second), (Ids{kCls, kHello, kWorld, kHello, kWorld, kSep, kThe, kSep}));
  // max_length 6 leaves 3: longest_first takes from the longer until both are equal, then the second.
  EXPECT_EQ(pair(6, Truncation::longest_first), (Ids{kCls, kHello, kWorld, kSep, kThe, kSep}));
  EXPECT_EQ(pair(6, Truncation::only_first), (Ids{kCls, kHello, kSep, kThe, kCat, kSep}));
  EXPECT_NE(error_of([&] { pair(6, Truncation::only_second); }).find("only_second must remove 3 tokens"),
            std::string::npos);
  EXPECT_NE(error_of([&] { tok.encode_pair(second, first, 6, Truncation::only_first); }).find("only 2"),
            std::string::npos);
  EXPECT_EQ(pair(3, Truncation::longest_first), (Ids{kCls, kSep, kSep}));
  EXPECT_NE(error_of([&] { pair(2, Truncation::longest_first); }).find("max_length 2"), std::string::npos);
  EXPECT_EQ(pair(0, Truncation::only_second).size(), 9u);  // no limit
  const Encoding fits = tok.encode_pair(first, second, 9, Truncation::only_second);
  EXPECT_EQ(fits.ids.size(), 9u);
  EXPECT_EQ(parse_truncation("only_first"), Truncation::only_first);
  EXPECT_NE(error_of([] { parse_truncation("shortest"); }).find("shortest"), std::string::npos);
}

// longest_first against the one-token-at-a-time rule it is defined by, over all small sizes.
TEST(Tokenizer, LongestFirstMatchesTokenByTokenRemoval) {
  for (std::size_t a = 0; a <= 9; ++a) {
    for (std::size_t b = 0; b <= 9; ++b) {
      for (std::size_t budget = 0; budget <= a + b + 1; ++budget) {
        std::size_t ra = a, rb = b;
        while (ra + rb > budget) (ra > rb ? ra : rb) -= 1;
        Ids first(a, 7), second(b, 8);
        truncate_pair(first, second, budget, Truncation::longest_first);
        EXPECT_EQ(first.size(), ra) << a << " " << b << " " << budget;
        EXPECT_EQ(second.size(), rb) << a << " " << b << " " << budget;
      }
    }
  }
}

TEST(WordPiece, TokenizerJsonGivesTheSameIdsAsVocabTxt) {
  const auto from_json = WordPieceTokenizer::from_tokenizer_json(kData / "tokenizer.json");
  const auto from_txt = uncased();
  ASSERT_EQ(from_json.vocab_size(), from_txt.vocab_size());
  for (const char* text : {"Héllo World!", "unaffable 中文!!?", "the [MASK] cat$", "", "hello \xFF world",
                           "abbb unx HÉLLO", "hello—world。"}) {
    EXPECT_EQ(from_json.encode(text), from_txt.encode(text)) << text;
  }
  EXPECT_EQ(from_json.encode_pair("hello world", "the cat", 6).ids,
            from_txt.encode_pair("hello world", "the cat", 6).ids);
  EXPECT_EQ(from_json.mask_id(), kMask);
}

// The test tokenizer.json with its first `from` replaced by `to`.
std::string tokenizer_json_with(const std::string& from, const std::string& to) {
  std::string text = read_bytes(kData / "tokenizer.json");
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(WordPiece, TokenizerJsonSettingsAreHonoured) {
  ScratchDir dir;
  const std::string text = read_bytes(kData / "tokenizer.json");
  write_bytes(dir.path() / "cased.json", tokenizer_json_with("\"lowercase\": true", "\"lowercase\": false"));
  EXPECT_EQ(WordPieceTokenizer::from_tokenizer_json(dir.path() / "cased.json").encode("Héllo"),
            (Ids{kHelloCasedAccent}));
  write_bytes(dir.path() / "short.json",
              tokenizer_json_with("\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": 2"));
  EXPECT_EQ(WordPieceTokenizer::from_tokenizer_json(dir.path() / "short.json").encode("un unaffable"),
            (Ids{kUn, kUnk}));
  write_bytes(dir.path() / "unigram.json", tokenizer_json_with("\"type\": \"WordPiece\",\n    \"unk_token\"",
                                                               "\"type\": \"Unigram\",\n    \"unk_token\""));
  EXPECT_NE(error_of([&] {
              WordPieceTokenizer::from_tokenizer_json(dir.path() / "unigram.json");
            }).find("model type 'Unigram' is not supported"),
            std::string::npos);
  write_bytes(dir.path() / "gap.json", tokenizer_json_with("\"héllo\": 27", "\"héllo\": 29"));
  EXPECT_NE(
      error_of([&] { WordPieceTokenizer::from_tokenizer_json(dir.path() / "gap.json"); }).find("no token has id 27"),
      std::string::npos);
  write_bytes(dir.path() / "broken.json", text.substr(0, text.size() / 2));
  EXPECT_NE(
      error_of([&] { WordPieceTokenizer::from_tokenizer_json(dir.path() / "broken.json"); }).find("not valid JSON"),
      std::string::npos);
}

// Ids and settings that do not fit their field are refused naming the file, the field's path and the
// value as written (an id of 2^64-1 was read as -1 before the typed reader).
TEST(WordPiece, TokenizerFilesRefuseValuesThatDoNotFitTheirField) {
  ScratchDir dir;
  auto refusal = [&](const std::string& from, const std::string& to) {
    write_bytes(dir.path() / "bad.json", tokenizer_json_with(from, to));
    return error_of([&] { WordPieceTokenizer::from_tokenizer_json(dir.path() / "bad.json"); });
  };
  for (const char* id : {"18446744073709551615", "9223372036854775808", "2147483648", "-1", "3.5", "-0", "\"27\""}) {
    const std::string error = refusal("\"héllo\": 27", std::string("\"héllo\": ") + id);
    EXPECT_TRUE(testing::has(error, "bad.json")) << error;
    EXPECT_TRUE(testing::has(error, "model.vocab.héllo")) << error;
    EXPECT_TRUE(testing::has(error, std::string("got ") + id)) << error;
  }
  const std::string unsigned_error =
      refusal("\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": 18446744073709551615");
  EXPECT_TRUE(testing::has(unsigned_error, "model.max_input_chars_per_word")) << unsigned_error;
  EXPECT_TRUE(testing::has(unsigned_error, "got 18446744073709551615")) << unsigned_error;
  const std::string flag_error = refusal("\"lowercase\": true", "\"lowercase\": 1");
  EXPECT_TRUE(testing::has(flag_error, "normalizer.lowercase")) << flag_error;

  write_bytes(dir.path() / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
  write_bytes(dir.path() / "tokenizer_config.json", R"({"do_lower_case": "yes"})");
  const std::string config_error = error_of([&] { load_tokenizer(dir.path() / "vocab.txt"); });
  EXPECT_TRUE(testing::has(config_error, "tokenizer_config.json")) << config_error;
  EXPECT_TRUE(testing::has(config_error, "do_lower_case")) << config_error;
}

TEST(WordPiece, VocabularyErrorsNameTheFile) {
  ScratchDir dir;
  write_bytes(dir.path() / "vocab.txt", "hello\nworld\n");
  const std::string message = error_of([&] { WordPieceTokenizer::from_vocab_file(dir.path() / "vocab.txt", {}); });
  EXPECT_NE(message.find("'[UNK]' is not in the vocabulary"), std::string::npos) << message;
  EXPECT_NE(message.find("vocab.txt"), std::string::npos) << message;
  write_bytes(dir.path() / "empty.txt", "");
  EXPECT_NE(error_of([&] { WordPieceTokenizer::from_vocab_file(dir.path() / "empty.txt", {}); }).find("empty"),
            std::string::npos);
  EXPECT_NE(error_of([&] { WordPieceTokenizer::from_vocab_file(dir.path() / "missing.txt", {}); }).find("cannot open"),
            std::string::npos);
  // CRLF line ends give the same pieces.
  write_bytes(dir.path() / "crlf.txt", "[UNK]\r\nhello\r\n");
  EXPECT_EQ(WordPieceTokenizer::from_vocab_file(dir.path() / "crlf.txt", {}).encode("hello"), (Ids{1}));
}

TEST(Tokenizer, LoadTokenizerFindsTheFilesOfAModelDirectory) {
  EXPECT_EQ(load_tokenizer(kData)->encode("Héllo 中文"), (Ids{kHello, kZhong, kWen}));  // tokenizer.json
  ScratchDir dir;
  fs::copy_file(kData / "vocab.txt", dir.path() / "vocab.txt");
  EXPECT_EQ(load_tokenizer(dir.path())->encode("Héllo"), (Ids{kHello}));  // uncased by default
  write_bytes(dir.path() / "tokenizer_config.json", R"({"do_lower_case": false})");
  EXPECT_EQ(load_tokenizer(dir.path())->encode("Héllo"), (Ids{kHelloCasedAccent}));
  EXPECT_EQ(load_tokenizer(dir.path() / "vocab.txt")->encode("Héllo"), (Ids{kHelloCasedAccent}));
  // A non-WordPiece tokenizer.json is passed over for vocab.txt.
  write_bytes(dir.path() / "tokenizer.json", R"({"model": {"type": "Unigram", "vocab": []}})");
  EXPECT_EQ(load_tokenizer(dir.path())->encode("Héllo"), (Ids{kHelloCasedAccent}));

  ScratchDir empty("empty");
  write_bytes(empty.path() / "tokenizer.json", R"({"model": {"type": "BPE"}})");
  const std::string message = error_of([&] { load_tokenizer(empty.path()); });
  for (const char* looked_for : {"tokenizer.json", "vocab.txt", "*.model", "'BPE'"}) {
    EXPECT_NE(message.find(looked_for), std::string::npos) << message;
  }
  EXPECT_NE(error_of([&] { load_tokenizer(empty.path() / "nothing"); }).find("does not exist"), std::string::npos);

  // A tokenizer.json that is no tokenizer.json at all is reported as invalid, not as absent, even with
  // a vocab.txt beside it.
  const std::pair<const char*, const char*> invalid[] = {
      {"[1, 2]", "the file holds a JSON array, not an object"},
      {R"({"version": "1.0"})", "it has no \"model\" field"},
      {R"({"model": 5})", "field \"model\" must be an object, got 5"},
      {R"({"model": {"vocab": {}}})",
       "field \"model.type\" must name the model (\"WordPiece\", \"Unigram\", ...), got nothing"},
      {R"({"model": {"type": 3}})", "got 3"},
  };
  for (const auto& [text, problem] : invalid) {
    write_bytes(dir.path() / "tokenizer.json", text);
    const std::string error = error_of([&] { load_tokenizer(dir.path()); });
    EXPECT_TRUE(testing::has(error, (dir.path() / "tokenizer.json").string() + ": not a valid tokenizer.json: "))
        << error;
    EXPECT_TRUE(testing::has(error, problem)) << error;
  }
}

TEST(WordPiece, BasicTokenizerCharacterClasses) {
  EXPECT_TRUE(is_bert_punctuation(U'$'));
  EXPECT_TRUE(is_bert_punctuation(U'~'));
  EXPECT_TRUE(is_bert_punctuation(U'¿'));
  EXPECT_FALSE(is_bert_punctuation(U'a'));
  EXPECT_FALSE(is_bert_punctuation(U'€'));  // a non-ASCII symbol (Sc) is not punctuation
  EXPECT_TRUE(is_bert_whitespace(U'\u3000'));
  EXPECT_FALSE(is_bert_control(U'\t'));
  EXPECT_TRUE(is_bert_control(U'\u200D'));
  EXPECT_TRUE(is_cjk_ideograph(U'\u4E2D'));
  EXPECT_FALSE(is_cjk_ideograph(U'\u3042'));  // hiragana is not split
  BasicTokenizer basic({});
  EXPECT_EQ(basic.split("Ça va?  Très BIEN..."),
            (std::vector<std::string>{"ca", "va", "?", "tres", "bien", ".", ".", "."}));
}

}  // namespace
}  // namespace pare
