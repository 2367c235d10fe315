// SQuAD's metrics exactly as the official scorers compute them (evaluate-v1.1.py and
// evaluate-v2.0.py), so that pare's numbers are the ones papers report:
//   normalisation  lower case (Python's str.lower, including U+0130 and the final sigma), ASCII
//                  punctuation removed, the words "a", "an" and "the" removed where they stand alone
//                  (regex \b(a|an|the)\b over Unicode word characters), whitespace (Python's
//                  str.split: Unicode whitespace) collapsed to single spaces
//   exact match    the normalised texts are equal
//   F1             over the bags of normalised tokens; v2.0: where either side has no tokens, 1 if
//                  both have none, else 0 (v1.1: 0)
//   per question   the best over its gold answers; v2.0 keeps only gold answers that normalise to
//                  something, and a question left with none is unanswerable: only "" is right
//   v2.0           a question whose no-answer probability exceeds the threshold counts as answered
//                  "no answer"; the best thresholds over the dev set for exact match and F1
//                  (best_exact, best_f1 and their thresholds), and HasAns_/NoAns_ splits
// Scores are percentages, as the scripts print them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

enum class SquadVersion { v1_1, v2_0 };

std::string squad_normalize_answer(std::string_view text);
// The normalised text split on whitespace.
std::vector<std::string> squad_answer_tokens(std::string_view text);
double squad_exact_match(std::string_view gold, std::string_view prediction);  // 0 or 1
double squad_f1(std::string_view gold, std::string_view prediction, SquadVersion version);

struct SquadQuestion {
  std::string id;
  std::vector<std::string> answers;  // gold answer texts; none: unanswerable (v2.0)
};

struct SquadScores {
  double exact_match = 0, f1 = 0;  // percent
  std::int64_t total = 0;          // questions scored
  // v2.0 only: the answerable and unanswerable questions apart, and the best no-answer thresholds.
  std::optional<double> has_answer_exact, has_answer_f1, no_answer_exact, no_answer_f1;
  std::int64_t has_answer_total = 0, no_answer_total = 0;
  std::optional<double> best_exact, best_exact_threshold, best_f1, best_f1_threshold;
};

// evaluate-v1.1.py: every question counts; one without a prediction scores 0.
SquadScores squad_v1_scores(const std::vector<SquadQuestion>& questions,
                            const std::map<std::string, std::string>& predictions);

// evaluate-v2.0.py: questions without a prediction are left out (as the script does); `no_answer_probability`
// per question (absent: 0) against `threshold` (the script's default 1.0).
SquadScores squad_v2_scores(const std::vector<SquadQuestion>& questions,
                            const std::map<std::string, std::string>& predictions,
                            const std::map<std::string, double>& no_answer_probability, double threshold = 1.0);

}  // namespace pare
