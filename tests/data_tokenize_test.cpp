#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/tokenize.h"
#include "models/tokenizers/wordpiece_tokenizer.h"
#include "runtime/error.h"

namespace pare {
namespace {

using Ids = std::vector<std::int64_t>;

// Ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, the 5, cat 6, sat 7, play 8, ##ing 9, on 10,
// mat 11, . 12, a 13.
WordPieceTokenizer tiny_tokenizer() {
  return WordPieceTokenizer(
      {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "play", "##ing", "on", "mat", ".", "a"},
      WordPieceOptions{});
}

TEST(DataTokenize, SentencesAndPairsKeepTheirLabels) {
  const WordPieceTokenizer tok = tiny_tokenizer();
  TextExample single;
  single.text_a = "The cat sat.";
  single.label = 1;
  const TokenizedExample a = tokenize_example(tok, TaskInfo{"t", TaskKind::classification, {"0", "1"}, {}}, single);
  EXPECT_EQ(a.input_ids, (Ids{2, 5, 6, 7, 12, 3}));
  EXPECT_EQ(a.token_type_ids, (Ids{0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(a.label, 1);

  TextExample pair;
  pair.text_a = "the cat sat on the mat";
  pair.text_b = "a cat";
  pair.score = 3.5f;
  const TaskInfo sts{"s", TaskKind::regression, {}, {}};
  const TokenizedExample b = tokenize_example(tok, sts, pair, {.max_length = 8});
  // longest_first: the first sentence shrinks to 3 tokens so that 3 + 2 + 3 specials fit in 8.
  EXPECT_EQ(b.input_ids, (Ids{2, 5, 6, 7, 3, 13, 6, 3}));
  EXPECT_EQ(b.token_type_ids, (Ids{0, 0, 0, 0, 0, 1, 1, 1}));
  EXPECT_FLOAT_EQ(*b.score, 3.5f);
  EXPECT_FALSE(b.label.has_value());
}

TEST(DataTokenize, TaggingLabelsTheFirstPieceOfEachWord) {
  const WordPieceTokenizer tok = tiny_tokenizer();
  const TaskInfo pos{"pos", TaskKind::tagging, {"a", "b", "c", "d", "e"}, {"accuracy"}};
  TextExample ex;
  ex.words = {"The", "cat", "playing", "xyz", "\x01"};
  ex.tags = {1, 2, 3, 4, 0};
  const TokenizedExample t = tokenize_example(tok, pos, ex);
  // [CLS] the cat play ##ing [UNK] [UNK] [SEP]: "xyz" has no split, "\x01" yields no piece.
  EXPECT_EQ(t.input_ids, (Ids{2, 5, 6, 8, 9, 1, 1, 3}));
  EXPECT_EQ(t.token_labels, (Ids{kIgnoreLabel, 1, 2, 3, kIgnoreLabel, 4, 0, kIgnoreLabel}));

  // Truncated to 5: [CLS] the cat play [SEP]; "playing" keeps its first piece and tag.
  const TokenizedExample cut = tokenize_example(tok, pos, ex, {.max_length = 5});
  EXPECT_EQ(cut.input_ids, (Ids{2, 5, 6, 8, 3}));
  EXPECT_EQ(cut.token_labels, (Ids{kIgnoreLabel, 1, 2, 3, kIgnoreLabel}));

  ex.tags.pop_back();
  EXPECT_THROW(tokenize_example(tok, pos, ex), Error);

  // Tokenized tagging examples batch with -100 wherever a label is not taken.
  ex.tags.push_back(0);
  TextExample short_one;
  short_one.words = {"a"};
  short_one.tags = {2};
  const auto tokenized = tokenize_examples(tok, pos, std::vector<TextExample>{ex, short_one});
  EXPECT_EQ(token_lengths(tokenized), (std::vector<std::size_t>{8, 3}));
  const Batch batch = collate(tokenized, std::vector<std::size_t>{1}, TaskKind::tagging);
  EXPECT_EQ(batch.labels.to_vector<std::int64_t>(), (Ids{kIgnoreLabel, 2, kIgnoreLabel}));
}

}  // namespace
}  // namespace pare
