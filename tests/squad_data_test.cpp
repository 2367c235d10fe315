// SQuAD files and windows (data/squad.h): answer_start counted in characters and turned into byte
// offsets through accents and CJK text; every malformed file refused naming the file, the question
// id and the field; windows of a long context overlapping by doc_stride tokens, their offsets mapping
// back to the context, and training targets on the answer's tokens only in a window that holds the
// whole answer ([CLS] where the answer crosses the window's edge or is absent, and for v2.0's
// unanswerable questions).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/squad.h"
#include "models/tokenizers/wordpiece_tokenizer.h"
#include "tests/test_support.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::error_of;
using testing::has;
using testing::ScratchDir;

// "Le café de Zürich — 北京 est loin.": é and ü are 2 bytes, — and each ideograph 3.
const std::string kContext = "Le caf\xC3\xA9 de Z\xC3\xBCrich \xE2\x80\x94 \xE5\x8C\x97\xE4\xBA\xAC est loin.";

json squad_file(json answers, const std::string& id = "q1", bool impossible = false) {
  json qa = {{"id", id}, {"question", "Ou est le cafe?"}, {"answers", std::move(answers)}};
  if (impossible) qa["is_impossible"] = true;
  return {{"version", "1.1"}, {"data", {{{"title", "t"}, {"paragraphs", {{{"context", kContext}, {"qas", {qa}}}}}}}}};
}

fs::path write(const ScratchDir& dir, const json& file, const std::string& name = "squad.json") {
  testing::write_bytes(dir.path() / name, file.dump());
  return dir.path() / name;
}

TEST(SquadFile, AnswerStartCountsCharactersAndBecomesABytePosition) {
  const ScratchDir dir;
  // "Zürich" starts at character 11 (byte 12: é before it is 2 bytes); "北京" at character 20 (byte 24:
  // é, ü and — add 1, 1 and 2 bytes).
  const fs::path file = write(dir, squad_file({{{"text", "Z\xC3\xBCrich"}, {"answer_start", 11}},
                                               {{"text", "\xE5\x8C\x97\xE4\xBA\xAC"}, {"answer_start", 20}}}));
  const std::vector<SquadExample> examples = read_squad_file(file, SquadVersion::v1_1);
  ASSERT_EQ(examples.size(), 1u);
  ASSERT_EQ(examples[0].answers.size(), 2u);
  EXPECT_EQ(examples[0].answers[0].start, 12u);
  EXPECT_EQ(kContext.substr(12, examples[0].answers[0].text.size()), "Z\xC3\xBCrich");
  EXPECT_EQ(examples[0].answers[1].start, 24u);
  EXPECT_EQ(squad_questions(examples)[0].answers,
            (std::vector<std::string>{"Z\xC3\xBCrich", "\xE5\x8C\x97\xE4\xBA\xAC"}));
}

TEST(SquadFile, MalformedFilesAreRefusedNamingTheQuestionAndTheField) {
  const ScratchDir dir;
  testing::write_bytes(dir.path() / "broken.json", "{\"data\": [");
  EXPECT_TRUE(has(error_of([&] { read_squad_file(dir.path() / "broken.json", SquadVersion::v1_1); }), "broken.json"));
  // Offsets past the context, a text that is not the context there, a missing question, a duplicate.
  std::string e = error_of([&] {
    read_squad_file(write(dir, squad_file({{{"text", "loin."}, {"answer_start", 40}}})), SquadVersion::v1_1);
  });
  EXPECT_TRUE(has(e, "question \"q1\"") && has(e, "answers[0].answer_start") && has(e, "past the context")) << e;
  e = error_of([&] {
    read_squad_file(write(dir, squad_file({{{"text", "Zurich"}, {"answer_start", 11}}})), SquadVersion::v1_1);
  });
  EXPECT_TRUE(has(e, "question \"q1\"") && has(e, "answers[0].text") && has(e, "reads \"Z\xC3\xBCrich\"")) << e;
  json no_question = squad_file({{{"text", "Le"}, {"answer_start", 0}}});
  no_question["data"][0]["paragraphs"][0]["qas"][0].erase("question");
  e = error_of([&] { read_squad_file(write(dir, no_question), SquadVersion::v1_1); });
  EXPECT_TRUE(has(e, "qas[0].question")) << e;
  json twice = squad_file({{{"text", "Le"}, {"answer_start", 0}}});
  twice["data"][0]["paragraphs"][0]["qas"].push_back(twice["data"][0]["paragraphs"][0]["qas"][0]);
  e = error_of([&] { read_squad_file(write(dir, twice), SquadVersion::v1_1); });
  EXPECT_TRUE(has(e, "question \"q1\"") && has(e, "appears twice")) << e;
  // Unanswerable questions: only in v2.0, and only without answers.
  e = error_of([&] { read_squad_file(write(dir, squad_file(json::array())), SquadVersion::v1_1); });
  EXPECT_TRUE(has(e, "v1.1 has an answer for every question")) << e;
  EXPECT_TRUE(
      read_squad_file(write(dir, squad_file(json::array(), "q1", true)), SquadVersion::v2_0)[0].answers.empty());
  e = error_of([&] {
    read_squad_file(write(dir, squad_file({{{"text", "Le"}, {"answer_start", 0}}}, "q1", true)), SquadVersion::v2_0);
  });
  EXPECT_TRUE(has(e, "is_impossible")) << e;
}

// Every context word its own token: w0 .. w29, and the question words.
WordPieceTokenizer numbered_words() {
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "where", "?"};
  for (int i = 0; i < 30; ++i) {
    std::string word = std::to_string(i);
    word.insert(word.begin(), 'w');  // not "w" + ...: GCC 12's -Wrestrict false alarm on that concatenation
    vocab.push_back(std::move(word));
  }
  return WordPieceTokenizer(vocab, {});
}

std::string numbered_context(int words) {
  std::string text;
  for (int i = 0; i < words; ++i) {
    if (i > 0) text += ' ';
    text += 'w';
    text += std::to_string(i);
  }
  return text;
}

TEST(SquadWindows, OverlapByDocStrideAndTargetOnlyWindowsHoldingTheWholeAnswer) {
  const WordPieceTokenizer tokenizer = numbered_words();
  SquadExample e;
  e.id = "q";
  e.question = "where?";  // 2 tokens
  e.context = numbered_context(30);
  // The answer "w9 w10 w11" (tokens 9..11 of the context).
  e.answers.push_back({"w9 w10 w11", e.context.find("w9 ")});
  SquadWindowOptions o;
  o.max_length = 15;  // 15 - 2 - 3 = 10 context tokens a window
  o.doc_stride = 4;   // windows start 6 tokens apart: 0, 6, 12, 18, 24
  o.max_query_length = 2;
  const std::vector<SquadWindow> windows = squad_windows(tokenizer, {e}, o);
  ASSERT_EQ(windows.size(), 5u);  // words 0..9, 6..15, 12..21, 18..27 and 24..29
  const std::vector<std::size_t> starts = {0, 6, 12, 18, 24};
  for (std::size_t w = 0; w < windows.size(); ++w) {
    SCOPED_TRACE(w);
    const SquadWindow& window = windows[w];
    EXPECT_EQ(window.input_ids.front(), tokenizer.cls_id());
    EXPECT_EQ(window.input_ids[3], tokenizer.sep_id());
    EXPECT_EQ(window.input_ids.back(), tokenizer.sep_id());
    EXPECT_EQ(window.token_type_ids[3], 0);
    EXPECT_EQ(window.token_type_ids[4], 1);
    // The first context token of window w is context word starts[w], found at its own bytes.
    const auto [begin, end] = *window.context_offsets[4];
    EXPECT_EQ(e.context.substr(begin, end - begin), "w" + std::to_string(starts[w]));
    EXPECT_FALSE(window.context_offsets[0].has_value());
    EXPECT_FALSE(window.context_offsets.back().has_value());
  }
  EXPECT_EQ(windows[3].input_ids.size(), 15u);
  EXPECT_EQ(windows[4].input_ids.size(), 3u + 2u + 6u);
  // Window 0 holds words 0..9: the answer crosses its edge, so [CLS]. Window 1 (6..15) holds it whole:
  // word 9 is its 4th context token (position 4 + 3 = 7), word 11 at 9. Windows 2 to 4 lack it.
  EXPECT_EQ(windows[0].start_position, 0);
  EXPECT_EQ(windows[0].end_position, 0);
  EXPECT_EQ(windows[1].start_position, 7);
  EXPECT_EQ(windows[1].end_position, 9);
  EXPECT_EQ(windows[2].start_position, 0);
  EXPECT_EQ(windows[3].end_position, 0);
  EXPECT_EQ(windows[4].start_position, 0);
}

TEST(SquadWindows, UnanswerableQuestionsTargetClsAndBadOptionsAreRefused) {
  const WordPieceTokenizer tokenizer = numbered_words();
  SquadExample e{"q", "where?", numbered_context(5), {}};
  const std::vector<SquadWindow> windows = squad_windows(tokenizer, {e}, {});
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].input_ids.size(), 2u + 5u + 3u);
  EXPECT_EQ(windows[0].start_position, 0);
  SquadWindowOptions o;
  o.max_length = 20;
  o.max_query_length = 8;
  o.doc_stride = 9;  // 20 - 8 - 3 = 9 context tokens: windows would not advance
  EXPECT_TRUE(has(error_of([&] { (void)squad_windows(tokenizer, {e}, o); }), "--doc-stride 9 must be below"));
  o.max_length = 11;
  EXPECT_TRUE(has(error_of([&] { (void)squad_windows(tokenizer, {e}, o); }), "leaves no room for the context"));
}

}  // namespace
}  // namespace pare
