// From a model's start and end logits on every window to one answer per question, as Hugging Face's
// run_qa post-processing does it (and the SQuAD papers report): in each window the n_best highest
// start and end logits are paired; a pair counts when both tokens are context tokens, the end is not
// before the start and the span has at most max_answer_length tokens; its score is the sum of the two
// logits, and its text the context's own bytes from the start token's first byte to the end token's
// last. The best span over all windows of a question is its answer. For SQuAD v2.0 the no-answer
// score is the lowest [CLS] start + end logits over the windows; a question whose no-answer score
// beats the best span by more than `null_threshold` is answered "" (no answer), and the difference
// is kept as its no-answer score for choosing the threshold on dev (squad_v2_scores).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "data/squad.h"

namespace pare {

struct SquadAnswerOptions {
  std::size_t n_best = 20;             // start and end candidates per window
  std::size_t max_answer_length = 30;  // tokens
  double null_threshold = 0.0;         // v2.0: answer "" when no-answer score - best span score exceeds it
};

struct SquadPrediction {
  std::string text;            // the answer; "" for "no answer" (v2.0)
  double score = 0;            // start + end logit of the best span (-infinity when no span qualified)
  double no_answer_score = 0;  // v2.0: [CLS] score - best span score; 0 for v1.1
};

// One prediction per example, in example order. start_logits[w] and end_logits[w] are window w's
// logits over its tokens (windows[w].input_ids.size() of each; padding beyond is ignored). Throws
// when the sizes disagree.
std::vector<SquadPrediction> squad_predictions(const std::vector<SquadExample>& examples,
                                               const std::vector<SquadWindow>& windows,
                                               const std::vector<std::vector<float>>& start_logits,
                                               const std::vector<std::vector<float>>& end_logits, SquadVersion version,
                                               const SquadAnswerOptions& options = {});

}  // namespace pare
