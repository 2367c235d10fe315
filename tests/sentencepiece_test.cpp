// SentencePiece: a tiny vocabulary trained from a text written here, loaded back through the
// sentencepiece library: BERT's special ids, round trips, reproducibility and error paths.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "models/tokenizers/sentencepiece_tokenizer.h"
#include "models/tokenizers/sentencepiece_training.h"
#include "runtime/error.h"
#include "tests/test_support.h"  // ScratchDir, write_bytes, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<std::int64_t>;

using testing::error_of;
using testing::ScratchDir;
using testing::write_bytes;

// A few hundred lines of varied English so a 100-piece vocabulary is reachable.
std::string corpus_text() {
  const std::vector<std::string> subjects = {
      "the cat",     "a dog",     "my neighbour",    "the old farmer",  "every child",    "the quick brown fox",
      "our teacher", "the river", "a tired soldier", "the jolly baker", "my grandmother", "the young pilot"};
  const std::vector<std::string> verbs = {"jumps over",  "looks at",        "walks beside", "sings to",
                                          "runs toward", "quietly watches", "remembers",    "carries",
                                          "paints",      "forgets",         "explores",     "buys"};
  const std::vector<std::string> adjectives = {"lazy",   "small",  "green", "red",     "bright", "wooden",
                                               "yellow", "frozen", "heavy", "curious", "silver", "ancient"};
  const std::vector<std::string> nouns = {"house", "hills",    "apples",  "train",  "boat",   "stars",
                                          "birds", "mountain", "village", "whisky", "jacket", "puzzle"};
  std::string text;
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    for (std::size_t j = 0; j < verbs.size(); ++j) {
      text += subjects[i] + " " + verbs[j] + " the " + adjectives[(i * 5 + j) % adjectives.size()] + " " +
              nouns[(i + j * 7) % nouns.size()] + ".\n";
    }
  }
  return text;
}

class SentencePiece : public ::testing::Test {
 protected:
  void SetUp() override { write_bytes(dir_ / "corpus.txt", corpus_text()); }

  fs::path train(SentencePieceModelType type, const fs::path& out, std::int64_t vocab_size = 100) const {
    SentencePieceTrainingOptions options;
    options.corpus_files = {dir_ / "corpus.txt"};
    options.vocab_size = vocab_size;
    options.model_type = type;
    options.output_prefix = out / "spiece";
    options.character_coverage = 1.0;
    options.num_threads = 1;
    return train_sentencepiece(options);
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(SentencePiece, TrainedUnigramModelHasBertSpecialTokensAndRoundTrips) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path model = train(SentencePieceModelType::unigram, dir_ / "out");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  EXPECT_EQ(model, dir_ / "out" / "spiece.model");
  EXPECT_TRUE(fs::is_regular_file(dir_ / "out" / "spiece.vocab"));
  // Nothing but the two files: the temporary training folder is gone.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "out"), fs::directory_iterator()), 2);

  const SentencePieceTokenizer tok(model);
  EXPECT_EQ(tok.vocab_size(), 100);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.unk_id(), 1);
  EXPECT_EQ(tok.cls_id(), 2);
  EXPECT_EQ(tok.sep_id(), 3);
  EXPECT_EQ(tok.mask_id(), 4);
  EXPECT_EQ(tok.id_to_token(4), "[MASK]");
  EXPECT_EQ(tok.token_to_id("[SEP]"), 3);
  EXPECT_FALSE(tok.token_to_id("no-such-piece").has_value());

  const std::string text = "the quick brown fox looks at seven red birds.";
  const Ids ids = tok.encode(text);
  ASSERT_FALSE(ids.empty());
  for (std::int64_t id : ids) {
    EXPECT_GT(id, 4);  // ordinary pieces only: no special, no unknown for seen characters
    EXPECT_LT(id, 100);
  }
  EXPECT_EQ(tok.decode(ids), text);
  std::string joined;
  for (const std::string& piece : tok.tokenize(text)) joined += piece;
  EXPECT_EQ(joined, "\xE2\x96\x81" + std::string("the\xE2\x96\x81quick\xE2\x96\x81"
                                                 "brown\xE2\x96\x81"
                                                 "fox\xE2\x96\x81"
                                                 "looks\xE2\x96\x81"
                                                 "at\xE2\x96\x81"
                                                 "seven\xE2\x96\x81"
                                                 "red\xE2\x96\x81"
                                                 "birds."));

  // User-defined symbols stay whole inside text.
  const Ids masked = tok.encode("the [MASK] cat");
  EXPECT_EQ(std::count(masked.begin(), masked.end(), 4), 1);

  const Encoding pair = tok.encode_pair("the cat", "a dog", 0);
  EXPECT_EQ(pair.ids.front(), 2);
  EXPECT_EQ(pair.ids.back(), 3);
  EXPECT_EQ(std::count(pair.ids.begin(), pair.ids.end(), 3), 2);
  EXPECT_EQ(tok.decode(pair.ids), "the cat a dog");

  // A second load, and load_tokenizer on the folder, give the same ids.
  EXPECT_EQ(SentencePieceTokenizer(model).encode(text), ids);
  EXPECT_EQ(load_tokenizer(dir_ / "out")->encode(text), ids);
}

// Offsets (Tokenizer::encode_with_offsets, for SQuAD's answer positions): every piece's bytes in the
// text, once the word boundary marker and the spaces it stands for are set aside, are the piece.
TEST_F(SentencePiece, OffsetsGiveEachPieceItsBytesInTheText) {
  const SentencePieceTokenizer tokenizer(train(SentencePieceModelType::unigram, dir_));
  const std::string text = "  the quick brown fox	jumps over  the lazy house.";
  const TokenOffsets got = tokenizer.encode_with_offsets(text);
  EXPECT_EQ(got.ids, tokenizer.encode(text));
  ASSERT_EQ(got.offsets.size(), got.ids.size());
  std::size_t previous_end = 0;
  for (std::size_t i = 0; i < got.ids.size(); ++i) {
    const auto [begin, end] = got.offsets[i];
    EXPECT_LE(previous_end, begin);
    EXPECT_LE(end, text.size());
    previous_end = end;
    std::string piece = tokenizer.id_to_token(got.ids[i]);
    if (piece.rfind("\xE2\x96\x81", 0) == 0) piece.erase(0, 3);  // U+2581, the word boundary marker
    std::string bytes = text.substr(begin, end - begin);
    bytes.erase(0, bytes.find_first_not_of(" \t"));
    EXPECT_EQ(bytes, piece) << "piece " << i;
  }
  EXPECT_NE(error_of([&] { (void)tokenizer.encode_with_offsets("bad \xFF"); }).find("not valid UTF-8 at byte 4"),
            std::string::npos);
}

TEST_F(SentencePiece, TrainingIsReproducibleAndBpeWorks) {
  const fs::path a = train(SentencePieceModelType::unigram, dir_ / "a");
  const fs::path b = train(SentencePieceModelType::unigram, dir_ / "b");
  const std::string text = "every child carries a wooden boat.";
  EXPECT_EQ(SentencePieceTokenizer(a).encode(text), SentencePieceTokenizer(b).encode(text));

  const SentencePieceTokenizer bpe(train(SentencePieceModelType::bpe, dir_ / "bpe"));
  EXPECT_EQ(bpe.vocab_size(), 100);
  EXPECT_EQ(bpe.cls_id(), 2);
  EXPECT_EQ(bpe.decode(bpe.encode(text)), text);
}

TEST_F(SentencePiece, UnseenAndInvalidInputDoesNotCrash) {
  const SentencePieceTokenizer tok(train(SentencePieceModelType::unigram, dir_ / "out"));
  EXPECT_TRUE(tok.encode("").empty());
  const Ids unseen = tok.encode("Z");  // a character the corpus never had
  EXPECT_NE(std::find(unseen.begin(), unseen.end(), 1), unseen.end());
  // Invalid bytes become U+FFFD, which the default nmt_nfkc normaliser removes like BERT's clean text.
  EXPECT_EQ(tok.encode("the \xFF\xC0 cat\xE4\xB8"), tok.encode("the cat"));
  EXPECT_NE(error_of([&] { tok.id_to_token(100); }).find("outside the vocabulary"), std::string::npos);
  EXPECT_NE(error_of([&] { tok.decode(Ids{-1}); }).find("-1"), std::string::npos);
}

TEST_F(SentencePiece, TrainingErrorsAreReportedAndLeaveNothingBehind) {
  std::string message = error_of([&] { train(SentencePieceModelType::unigram, dir_ / "big", 5000); });
  EXPECT_NE(message.find("vocab_size 5000 is more than this corpus yields (at most "), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir_ / "big" / "spiece.model"));
  EXPECT_TRUE(fs::is_empty(dir_ / "big"));

  // Lines of whitespace alone: sentencepiece would end the process (its fatal log calls exit).
  testing::write_bytes(dir_ / "blank.txt", "   \n\t\n \n");
  SentencePieceTrainingOptions blank;
  blank.corpus_files = {dir_ / "blank.txt"};
  blank.vocab_size = 50;
  blank.output_prefix = dir_ / "blank" / "spiece";
  message = error_of([&] { train_sentencepiece(blank); });
  EXPECT_NE(message.find("no line of the corpus has text to learn from"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_empty(dir_ / "blank"));
  // Control characters alone pass that check but leave sentencepiece no character to learn, and it
  // ends its process: in the child that trains, so pare reports it and leaves nothing behind.
  write_bytes(dir_ / "control.txt", "\x01\x02\n\x03\n");
  blank.corpus_files = {dir_ / "control.txt"};
  message = error_of([&] { train_sentencepiece(blank); });
  EXPECT_NE(message.find("sentencepiece ended its process with exit status"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_empty(dir_ / "blank"));
  blank.corpus_files = {dir_ / "corpus.txt"};
  blank.num_threads = 1000;
  EXPECT_NE(error_of([&] { train_sentencepiece(blank); }).find("1000 threads; sentencepiece takes 1 to 128"),
            std::string::npos);
  blank.num_threads = 1;
  blank.character_coverage = 0.5;
  EXPECT_NE(error_of([&] { train_sentencepiece(blank); }).find("character_coverage 0.5 not in [0.98, 1]"),
            std::string::npos);

  SentencePieceTrainingOptions options;
  options.corpus_files = {dir_ / "missing.txt"};
  options.output_prefix = dir_ / "x" / "spiece";
  EXPECT_NE(error_of([&] { train_sentencepiece(options); }).find("missing.txt"), std::string::npos);
  options.corpus_files = {dir_ / "corpus.txt"};
  options.vocab_size = 5;
  EXPECT_NE(error_of([&] { train_sentencepiece(options); }).find("vocab_size 5"), std::string::npos);
  EXPECT_NE(error_of([] { parse_sentencepiece_model_type("wordpiece"); }).find("wordpiece"), std::string::npos);
  EXPECT_NE(error_of([&] { SentencePieceTokenizer(dir_ / "corpus.txt"); }).find("cannot load"), std::string::npos);
  EXPECT_NE(error_of([&] { SentencePieceTokenizer(dir_ / "none.model"); }).find("not found"), std::string::npos);
}

}  // namespace
}  // namespace pare
