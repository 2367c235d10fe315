// SQuAD's metrics (data/squad_metrics.h) against cases worked out by hand from the official scorers'
// rules (evaluate-v1.1.py, evaluate-v2.0.py): the normalisation step by step, F1 over bags of tokens,
// the best of several gold answers, unanswered questions, v2.0's empty answers, no-answer threshold,
// best thresholds and HasAns/NoAns splits.
#include "data/squad_metrics.h"

#include <gtest/gtest.h>

namespace pare {
namespace {

TEST(SquadNormalize, LowerCasePunctuationArticlesAndWhitespaceInTheScriptsOrder) {
  // lower, punctuation out ("brown-fox" -> "brownfox"), "the" out, spaces collapsed.
  EXPECT_EQ(squad_normalize_answer("The  Quick, brown-fox!"), "quick brownfox");
  EXPECT_EQ(squad_normalize_answer("An apple a day"), "apple day");
  EXPECT_EQ(squad_normalize_answer("theater anthem"), "theater anthem");  // articles only as whole words
  EXPECT_EQ(squad_normalize_answer("the_a"), "thea");                     // '_' is punctuation, removed first
  EXPECT_EQ(squad_normalize_answer("a.b"), "ab");
  EXPECT_EQ(squad_normalize_answer("  \t\n"), "");
  // Unicode: letters lower-cased (Python's str.lower), only ASCII punctuation removed, Unicode
  // whitespace splits, and an article next to a non-ASCII letter is part of a longer word.
  EXPECT_EQ(squad_normalize_answer("\xC3\x81rbol \xC2\xABS\xC3\xAD\xC2\xBB"), "\xC3\xA1rbol \xC2\xABs\xC3\xAD\xC2\xBB");
  EXPECT_EQ(squad_normalize_answer("a\xC2\xA0"
                                   "b"),
            "b");                                               // no-break space splits
  EXPECT_EQ(squad_normalize_answer("a\xC3\xA9"), "a\xC3\xA9");  // "aé" is one word
  EXPECT_EQ(squad_normalize_answer("\xE5\x8C\x97\xE4\xBA\xAC the"), "\xE5\x8C\x97\xE4\xBA\xAC");  // 北京
  // Final sigma: "ΟΔΟΣ ΣΑ" -> "οδος σα"; U+0130 -> "i" + U+0307.
  EXPECT_EQ(squad_normalize_answer("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 \xCE\xA3\xCE\x91"),
            "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82 \xCF\x83\xCE\xB1");
  EXPECT_EQ(squad_normalize_answer("\xC4\xB0stanbul"), "i\xCC\x87stanbul");
}

TEST(SquadF1, BagsOfTokensWithRepeatsAndTheEmptyRuleOfEachVersion) {
  // gold [cat sat], prediction [cat sat on mat]: precision 1/2, recall 1, F1 2/3.
  EXPECT_NEAR(squad_f1("the cat sat", "cat sat on the mat", SquadVersion::v1_1), 2.0 / 3.0, 1e-12);
  // gold [b b], prediction [b b b]: 2 in common, precision 2/3, recall 1, F1 0.8.
  EXPECT_NEAR(squad_f1("a b b", "b b b", SquadVersion::v1_1), 0.8, 1e-12);
  EXPECT_EQ(squad_f1("Denver", "Broncos", SquadVersion::v1_1), 0.0);
  // Both normalise to nothing: exact match 1; F1 0 in v1.1, 1 in v2.0; one side empty: 0 in both.
  EXPECT_EQ(squad_exact_match("the", "a"), 1.0);
  EXPECT_EQ(squad_f1("the", "a", SquadVersion::v1_1), 0.0);
  EXPECT_EQ(squad_f1("the", "a", SquadVersion::v2_0), 1.0);
  EXPECT_EQ(squad_f1("", "Denver", SquadVersion::v2_0), 0.0);
  EXPECT_EQ(squad_exact_match("Denver Broncos", "the denver  broncos."), 1.0);
}

TEST(SquadScores, Version11TakesTheBestGoldAnswerAndCountsUnansweredQuestionsAsZero) {
  const std::vector<SquadQuestion> questions = {
      {"q1", {"Denver Broncos", "Broncos"}}, {"q2", {"Santa Clara, California"}}, {"q3", {"Levi's Stadium"}}};
  // q1 matches the second gold answer; q2 F1 0.8 (precision 1, recall 2/3); q3 has no prediction.
  const SquadScores s = squad_v1_scores(questions, {{"q1", "the Broncos"}, {"q2", "Santa Clara"}});
  EXPECT_EQ(s.total, 3);
  EXPECT_NEAR(s.exact_match, 100.0 / 3.0, 1e-9);
  EXPECT_NEAR(s.f1, 100.0 * 1.8 / 3.0, 1e-9);
  EXPECT_FALSE(s.best_f1.has_value());
}

TEST(SquadScores, Version20NoAnswerThresholdSplitsAndBestThresholds) {
  const std::vector<SquadQuestion> questions = {{"q1", {"Broncos"}}, {"q2", {}}, {"q3", {"Santa Clara"}}, {"q4", {}}};
  const std::map<std::string, std::string> predictions = {
      {"q1", "Broncos"}, {"q2", ""}, {"q3", "Santa Clara, California"}, {"q4", "Denver"}};
  const std::map<std::string, double> no_answer = {{"q1", 0.1}, {"q2", 0.9}, {"q3", 0.5}, {"q4", 0.3}};
  // Threshold 1 (the script's default): every prediction stands. Exact: q1 and q2 (""), F1 1 + 1 + 0.8.
  SquadScores s = squad_v2_scores(questions, predictions, no_answer);
  EXPECT_EQ(s.total, 4);
  EXPECT_NEAR(s.exact_match, 50.0, 1e-9);
  EXPECT_NEAR(s.f1, 70.0, 1e-9);
  EXPECT_EQ(s.has_answer_total, 2);
  EXPECT_EQ(s.no_answer_total, 2);
  EXPECT_NEAR(*s.has_answer_exact, 50.0, 1e-9);
  EXPECT_NEAR(*s.has_answer_f1, 90.0, 1e-9);
  EXPECT_NEAR(*s.no_answer_exact, 50.0, 1e-9);
  EXPECT_NEAR(*s.no_answer_f1, 50.0, 1e-9);
  // Best thresholds: start from the 2 unanswerable questions right; by probability q1 +1 (3, the
  // best, at 0.1), q4 answers "Denver" -1, q3 +0 (exact) or +0.8 (F1), q2 answers "" +0.
  EXPECT_NEAR(*s.best_exact, 75.0, 1e-9);
  EXPECT_EQ(*s.best_exact_threshold, 0.1);
  EXPECT_NEAR(*s.best_f1, 75.0, 1e-9);
  EXPECT_EQ(*s.best_f1_threshold, 0.1);
  // Threshold 0.4: q3 and q2 are called unanswerable; right for q2, wrong for q3.
  s = squad_v2_scores(questions, predictions, no_answer, 0.4);
  EXPECT_NEAR(s.exact_match, 50.0, 1e-9);
  EXPECT_NEAR(s.f1, 50.0, 1e-9);
  // A gold answer that normalises to nothing is dropped; none left: only "" is right.
  s = squad_v2_scores({{"q5", {"the"}}}, {{"q5", ""}}, {});
  EXPECT_NEAR(s.exact_match, 100.0, 1e-9);
  EXPECT_NEAR(s.f1, 100.0, 1e-9);
}

}  // namespace
}  // namespace pare
