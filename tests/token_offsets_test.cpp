// Tokens with the byte ranges of the text they came from (Tokenizer::encode_with_offsets), which SQuAD
// needs to map answers given as character positions onto tokens: WordPiece through lower-casing,
// accent stripping (a 2-byte "é" stays 2 bytes wide), punctuation, CJK ideographs, continuation
// pieces, whole-word [UNK] and special tokens written in the text; the ids always those of encode().
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "models/tokenizers/wordpiece_tokenizer.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using Spans = std::vector<std::pair<std::size_t, std::size_t>>;

WordPieceTokenizer small_uncased() {
  return WordPieceTokenizer({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", ",", "world", "!", "\xE5\x8C\x97",
                             "\xE4\xBA\xAC", "un", "##aff", "##able", "x"},
                            {});
}

TEST(TokenOffsets, WordPieceMapsEveryPieceBackToItsBytes) {
  const WordPieceTokenizer tokenizer = small_uncased();
  // H é(2 bytes) l l o , _ w ö(2) r l d ! _ 北(3) 京(3) _ unaffable _ [MASK] x _ zzz
  const std::string text = "H\xC3\xA9llo, w\xC3\xB6rld! \xE5\x8C\x97\xE4\xBA\xAC unaffable [MASK]x zzz";
  const TokenOffsets got = tokenizer.encode_with_offsets(text);
  EXPECT_EQ(got.ids, tokenizer.encode(text));
  std::vector<std::string> pieces;
  for (std::int64_t id : got.ids) pieces.push_back(tokenizer.id_to_token(id));
  EXPECT_EQ(pieces, (std::vector<std::string>{"hello", ",", "world", "!", "\xE5\x8C\x97", "\xE4\xBA\xAC", "un", "##aff",
                                              "##able", "[MASK]", "x", "[UNK]"}));
  EXPECT_EQ(got.offsets, (Spans{{0, 6},
                                {6, 7},
                                {8, 14},
                                {14, 15},
                                {16, 19},
                                {19, 22},
                                {23, 25},
                                {25, 28},
                                {28, 32},
                                {33, 39},
                                {39, 40},
                                {41, 44}}));
  EXPECT_EQ(text.substr(8, 6), "w\xC3\xB6rld");
}

TEST(TokenOffsets, WhitespaceAndControlCharactersAreOutsideEveryToken) {
  const WordPieceTokenizer tokenizer = small_uncased();
  const std::string text = "\t hello\x01\xC2\xA0world \n";  // a control character and a no-break space
  const TokenOffsets got = tokenizer.encode_with_offsets(text);
  EXPECT_EQ(got.ids, tokenizer.encode(text));
  EXPECT_EQ(got.offsets, (Spans{{2, 7}, {10, 15}}));
  EXPECT_TRUE(tokenizer.encode_with_offsets("").ids.empty());
}

TEST(TokenOffsets, InvalidUtf8IsRefusedNamingTheByte) {
  const std::string error = testing::error_of([] { (void)small_uncased().encode_with_offsets("ok \xC3("); });
  EXPECT_NE(error.find("not valid UTF-8 at byte 3"), std::string::npos) << error;
}

}  // namespace
}  // namespace pare
