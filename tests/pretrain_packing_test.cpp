#include <gtest/gtest.h>

#include "models/tokenizers/wordpiece_tokenizer.h"
#include "runtime/error.h"
#include "train/pretrain.h"

namespace pare {
namespace {

// Ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, the 5, cat 6, sat 7, on 8, mat 9, . 10.
WordPieceTokenizer packing_tokenizer() {
  return WordPieceTokenizer({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "."},
                            WordPieceOptions{});
}

TEST(PretrainPacking, ConsecutiveSentencesFillSequencesAndLongOnesAreCut) {
  const WordPieceTokenizer tok = packing_tokenizer();
  const std::vector<std::string> sentences = {"the cat sat .", "", "on the mat .", "the cat sat on the mat ."};
  // Budget 8 - 2 = 6 pieces: 4 fit, 4 more do not (flush), then 7 are cut into 6 + 1.
  const auto packed = pack_sentences(tok, sentences, 8);
  ASSERT_EQ(packed.size(), 4u);
  EXPECT_EQ(packed[0].input_ids, (std::vector<std::int64_t>{2, 5, 6, 7, 10, 3}));
  EXPECT_EQ(packed[1].input_ids, (std::vector<std::int64_t>{2, 8, 5, 9, 10, 3}));
  EXPECT_EQ(packed[2].input_ids, (std::vector<std::int64_t>{2, 5, 6, 7, 8, 5, 9, 3}));
  EXPECT_EQ(packed[3].input_ids, (std::vector<std::int64_t>{2, 10, 3}));
  // A large budget packs everything into one sequence.
  EXPECT_EQ(pack_sentences(tok, sentences, 64).size(), 1u);
  EXPECT_THROW(pack_sentences(tok, sentences, 2), Error);
}

}  // namespace
}  // namespace pare
