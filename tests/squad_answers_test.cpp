// From window logits to answers (data/squad_answers.h), on windows written out by hand so each
// rule shows: spans must lie in the context part (a high logit on a question token does not count),
// end not before start, at most max_answer_length tokens, only the n_best starts and ends paired; the
// best span over a question's windows wins and its text is the context's own bytes (accents kept);
// v2.0's no-answer score is the lowest [CLS] score over the windows against the best span.
#include "data/squad_answers.h"

#include <gtest/gtest.h>

#include <optional>
#include <utility>

#include "runtime/error.h"

namespace pare {
namespace {

using Span = std::optional<std::pair<std::size_t, std::size_t>>;

SquadWindow window(std::size_t example, std::vector<Span> offsets) {
  SquadWindow w;
  w.example = example;
  w.input_ids.assign(offsets.size(), 1);
  w.token_type_ids.assign(offsets.size(), 0);
  w.context_offsets = std::move(offsets);
  return w;
}

// "café zürich bar" (é and ü 2 bytes): café [0, 5), zürich [6, 13), bar [14, 17).
const std::string kContext = "caf\xC3\xA9 z\xC3\xBCrich bar";

struct Case {
  std::vector<SquadExample> examples{{"q", "?", kContext, {}}};
  // Window 0: [CLS] q [SEP] café zürich [SEP]; window 1: [CLS] q [SEP] zürich bar [SEP].
  std::vector<SquadWindow> windows{window(0, {{}, {}, {}, {{0, 5}}, {{6, 13}}, {}}),
                                   window(0, {{}, {}, {}, {{6, 13}}, {{14, 17}}, {}})};
  std::vector<std::vector<float>> starts{{5, 9, 0, 1, 2, 0}, {0, 0, 0, 6, 2, 0}};
  std::vector<std::vector<float>> ends{{4, 0, 0, 0, 3, 0}, {0, 0, 0, 1, 7, 0}};
};

TEST(SquadAnswers, TheBestContextSpanOverAllWindowsWithTheContextsOwnText) {
  const Case c;
  // Window 0: the question token's start logit 9 does not count; (café, zürich) 1 + 3 = 4, (zürich,
  // zürich) 2 + 3 = 5. Window 1: (zürich, bar) 6 + 7 = 13, the best.
  std::vector<SquadPrediction> p = squad_predictions(c.examples, c.windows, c.starts, c.ends, SquadVersion::v1_1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].text, "z\xC3\xBCrich bar");
  EXPECT_EQ(p[0].score, 13.0);
  EXPECT_EQ(p[0].no_answer_score, 0.0);
  // One token at most: window 1's (bar, bar) 2 + 7 = 9 beats (zürich, zürich) 6 + 1 = 7 and window 0's 5.
  SquadAnswerOptions one_token;
  one_token.max_answer_length = 1;
  p = squad_predictions(c.examples, c.windows, c.starts, c.ends, SquadVersion::v1_1, one_token);
  EXPECT_EQ(p[0].text, "bar");
  EXPECT_EQ(p[0].score, 9.0);
  // n_best 1: window 0's top start is the question token, so nothing there; window 1 pairs zürich with bar.
  SquadAnswerOptions top_one;
  top_one.n_best = 1;
  p = squad_predictions(c.examples, c.windows, c.starts, c.ends, SquadVersion::v1_1, top_one);
  EXPECT_EQ(p[0].text, "z\xC3\xBCrich bar");
  // End before start never counts: with the ends reversed, window 1 keeps (zürich, zürich) 6 + 7.
  Case reversed;
  reversed.ends[1] = {0, 0, 0, 7, 1, 0};
  p = squad_predictions(reversed.examples, reversed.windows, reversed.starts, reversed.ends, SquadVersion::v1_1);
  EXPECT_EQ(p[0].text, "z\xC3\xBCrich");
  EXPECT_EQ(p[0].score, 13.0);
}

TEST(SquadAnswers, Version20ComparesTheLowestClsScoreWithTheBestSpan) {
  Case c;
  // [CLS] scores 5 + 4 = 9 and 0 + 0 = 0: the lowest, 0, against the best span's 13.
  std::vector<SquadPrediction> p = squad_predictions(c.examples, c.windows, c.starts, c.ends, SquadVersion::v2_0);
  EXPECT_EQ(p[0].text, "z\xC3\xBCrich bar");
  EXPECT_EQ(p[0].no_answer_score, -13.0);
  // [CLS] 20 in both windows: 20 - 13 = 7 > 0, "no answer"; a threshold of 7 keeps the span.
  c.starts[0][0] = c.starts[1][0] = 10;
  c.ends[0][0] = c.ends[1][0] = 10;
  p = squad_predictions(c.examples, c.windows, c.starts, c.ends, SquadVersion::v2_0);
  EXPECT_EQ(p[0].text, "");
  EXPECT_EQ(p[0].no_answer_score, 7.0);
  SquadAnswerOptions lenient;
  lenient.null_threshold = 7.0;
  EXPECT_EQ(squad_predictions(c.examples, c.windows, c.starts, c.ends, SquadVersion::v2_0, lenient)[0].text,
            "z\xC3\xBCrich bar");
}

TEST(SquadAnswers, LogitRowsThatDoNotFitTheWindowsAreRefused) {
  const Case c;
  std::vector<std::vector<float>> short_rows = c.starts;
  short_rows[1].resize(3);
  EXPECT_THROW(squad_predictions(c.examples, c.windows, short_rows, c.ends, SquadVersion::v1_1), Error);
  EXPECT_THROW(squad_predictions(c.examples, c.windows, {c.starts[0]}, c.ends, SquadVersion::v1_1), Error);
}

}  // namespace
}  // namespace pare
