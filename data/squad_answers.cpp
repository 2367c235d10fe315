#include "data/squad_answers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "runtime/error.h"

namespace pare {
namespace {

// Indices of the n largest of `logits` (of the first `size`), largest first; ties keep the lower index.
std::vector<std::size_t> top_indices(const std::vector<float>& logits, std::size_t size, std::size_t n) {
  std::vector<std::size_t> order(size);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::size_t k = std::min(n, size);
  std::partial_sort(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
      [&](std::size_t a, std::size_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
  order.resize(k);
  return order;
}

}  // namespace

std::vector<SquadPrediction> squad_predictions(const std::vector<SquadExample>& examples,
                                               const std::vector<SquadWindow>& windows,
                                               const std::vector<std::vector<float>>& start_logits,
                                               const std::vector<std::vector<float>>& end_logits, SquadVersion version,
                                               const SquadAnswerOptions& o) {
  PARE_CHECK(start_logits.size() == windows.size() && end_logits.size() == windows.size(),
             "SQuAD answers: ", windows.size(), " windows but ", start_logits.size(), " start and ", end_logits.size(),
             " end logit rows");
  constexpr double kNone = -std::numeric_limits<double>::infinity();
  struct Best {
    double score = kNone;
    std::size_t begin = 0, end = 0;  // bytes of the context
    double null_score = std::numeric_limits<double>::infinity();
  };
  std::vector<Best> best(examples.size());
  for (std::size_t w = 0; w < windows.size(); ++w) {
    const SquadWindow& window = windows[w];
    const std::size_t tokens = window.input_ids.size();
    PARE_CHECK(window.example < examples.size(), "SQuAD answers: window ", w, " names example ", window.example, " of ",
               examples.size());
    PARE_CHECK(start_logits[w].size() >= tokens && end_logits[w].size() >= tokens, "SQuAD answers: window ", w, " has ",
               tokens, " tokens but ", start_logits[w].size(), " start and ", end_logits[w].size(), " end logits");
    const std::vector<float>& starts = start_logits[w];
    const std::vector<float>& ends = end_logits[w];
    Best& b = best[window.example];
    b.null_score = std::min(b.null_score, static_cast<double>(starts[0]) + ends[0]);
    for (std::size_t s : top_indices(starts, tokens, o.n_best)) {
      if (!window.context_offsets[s]) continue;
      for (std::size_t e : top_indices(ends, tokens, o.n_best)) {
        if (!window.context_offsets[e] || e < s || e - s + 1 > o.max_answer_length) continue;
        const double score = static_cast<double>(starts[s]) + ends[e];
        if (score > b.score) {
          b.score = score;
          b.begin = window.context_offsets[s]->first;
          b.end = window.context_offsets[e]->second;
        }
      }
    }
  }
  std::vector<SquadPrediction> out(examples.size());
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const Best& b = best[i];
    SquadPrediction& p = out[i];
    p.score = b.score;
    if (b.score != kNone) p.text = examples[i].context.substr(b.begin, b.end - b.begin);
    if (version == SquadVersion::v2_0 && std::isfinite(b.null_score)) {
      // No span at all: only "no answer" remains.
      p.no_answer_score = b.score == kNone ? std::numeric_limits<double>::max() : b.null_score - b.score;
      if (p.no_answer_score > o.null_threshold) p.text.clear();
    }
  }
  return out;
}

}  // namespace pare
