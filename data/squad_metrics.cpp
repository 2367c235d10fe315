#include "data/squad_metrics.h"

#include <utf8proc.h>

#include <algorithm>
#include <numeric>

#include "models/tokenizers/utf8.h"
#include "runtime/error.h"

namespace pare {
namespace {

utf8proc_category_t category(char32_t cp) { return utf8proc_category(static_cast<utf8proc_int32_t>(cp)); }

// Python's \w for str patterns: alphanumeric (letters L*, numbers N*) or the underscore.
bool is_word_char(char32_t cp) {
  if (cp == U'_') return true;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Python's str.isspace: what str.split() with no argument splits on.
bool is_python_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// string.punctuation: ASCII only, as the scripts use it.
bool is_ascii_punctuation(char32_t cp) {
  return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
         (cp >= 0x7B && cp <= 0x7E);
}

// Unicode's Cased and Case_Ignorable, closely enough for the final-sigma rule.
bool is_cased(char32_t cp) {
  const utf8proc_category_t c = category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT;
}
bool is_case_ignorable(char32_t cp) {
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_SK:
      return true;
    default:
      return cp == U'\'' || cp == U'.' || cp == U':' || cp == 0xAD || cp == 0xB7 || cp == 0x2018 || cp == 0x2019 ||
             cp == 0x2024 || cp == 0x2027;
  }
}

// Python's str.lower: simple lower-case mappings, plus U+0130 (to "i" and a combining dot) and the
// Greek capital sigma, which ends a word as final sigma.
std::u32string python_lower(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t cp = text[i];
    if (cp == 0x130) {
      out += U'i';
      out += char32_t{0x307};
      continue;
    }
    if (cp == 0x3A3) {
      std::size_t before = i;
      while (before > 0 && is_case_ignorable(text[before - 1])) --before;
      std::size_t after = i + 1;
      while (after < text.size() && is_case_ignorable(text[after])) ++after;
      const bool final = before > 0 && is_cased(text[before - 1]) && !(after < text.size() && is_cased(text[after]));
      out += final ? char32_t{0x3C2} : char32_t{0x3C3};
      continue;
    }
    out += static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
  }
  return out;
}

// F1 over the two bags of tokens; `empty_rule`: v2.0's answer where either side has none.
double token_f1(const std::vector<std::string>& gold, const std::vector<std::string>& predicted, bool empty_rule) {
  if (empty_rule && (gold.empty() || predicted.empty())) return gold.empty() && predicted.empty() ? 1.0 : 0.0;
  std::map<std::string, std::int64_t> counts;
  for (const std::string& t : gold) ++counts[t];
  std::int64_t same = 0;
  for (const std::string& t : predicted) {
    auto it = counts.find(t);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  if (same == 0) return 0.0;
  const double precision = static_cast<double>(same) / static_cast<double>(predicted.size());
  const double recall = static_cast<double>(same) / static_cast<double>(gold.size());
  return 2 * precision * recall / (precision + recall);
}

double percent(double sum, std::int64_t total) { return total > 0 ? 100.0 * sum / static_cast<double>(total) : 0.0; }

}  // namespace

std::string squad_normalize_answer(std::string_view text) {
  const std::u32string lower = python_lower(utf8::decode_lossy(text));
  std::u32string no_punctuation;
  for (char32_t cp : lower) {
    if (!is_ascii_punctuation(cp)) no_punctuation += cp;
  }
  // Articles: a maximal run of word characters that is exactly "a", "an" or "the" becomes a space.
  std::u32string no_articles;
  for (std::size_t i = 0; i < no_punctuation.size();) {
    if (!is_word_char(no_punctuation[i])) {
      no_articles += no_punctuation[i++];
      continue;
    }
    std::size_t end = i;
    while (end < no_punctuation.size() && is_word_char(no_punctuation[end])) ++end;
    const std::u32string_view word(no_punctuation.data() + i, end - i);
    if (word == U"a" || word == U"an" || word == U"the") {
      no_articles += U' ';
    } else {
      no_articles += word;
    }
    i = end;
  }
  std::u32string out;
  for (std::size_t i = 0; i < no_articles.size();) {
    while (i < no_articles.size() && is_python_space(no_articles[i])) ++i;
    if (i == no_articles.size()) break;
    if (!out.empty()) out += U' ';
    while (i < no_articles.size() && !is_python_space(no_articles[i])) out += no_articles[i++];
  }
  return utf8::encode(out);
}

std::vector<std::string> squad_answer_tokens(std::string_view text) {
  const std::string normalized = squad_normalize_answer(text);
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < normalized.size();) {
    const std::size_t end = std::min(normalized.find(' ', i), normalized.size());
    tokens.push_back(normalized.substr(i, end - i));
    i = end + 1;
  }
  return tokens;
}

double squad_exact_match(std::string_view gold, std::string_view prediction) {
  return squad_normalize_answer(gold) == squad_normalize_answer(prediction) ? 1.0 : 0.0;
}

double squad_f1(std::string_view gold, std::string_view prediction, SquadVersion version) {
  return token_f1(squad_answer_tokens(gold), squad_answer_tokens(prediction), version == SquadVersion::v2_0);
}

SquadScores squad_v1_scores(const std::vector<SquadQuestion>& questions,
                            const std::map<std::string, std::string>& predictions) {
  SquadScores out;
  double exact = 0, f1 = 0;
  for (const SquadQuestion& q : questions) {
    ++out.total;
    const auto predicted = predictions.find(q.id);
    if (predicted == predictions.end()) continue;  // unanswered: 0
    double best_exact = 0, best_f1 = 0;
    for (const std::string& gold : q.answers) {
      best_exact = std::max(best_exact, squad_exact_match(gold, predicted->second));
      best_f1 = std::max(best_f1, squad_f1(gold, predicted->second, SquadVersion::v1_1));
    }
    exact += best_exact;
    f1 += best_f1;
  }
  out.exact_match = percent(exact, out.total);
  out.f1 = percent(f1, out.total);
  return out;
}

SquadScores squad_v2_scores(const std::vector<SquadQuestion>& questions,
                            const std::map<std::string, std::string>& predictions,
                            const std::map<std::string, double>& no_answer_probability, double threshold) {
  struct Scored {
    const SquadQuestion* question;
    const std::string* prediction;
    double exact, f1, no_answer;
  };
  std::vector<Scored> scored;  // the questions with a prediction, in the data's order
  std::int64_t unanswerable = 0;
  for (const SquadQuestion& q : questions) {
    if (q.answers.empty()) ++unanswerable;
    const auto predicted = predictions.find(q.id);
    if (predicted == predictions.end()) continue;
    std::vector<std::string> golds;
    for (const std::string& a : q.answers) {
      if (!squad_normalize_answer(a).empty()) golds.push_back(a);
    }
    if (golds.empty()) golds.emplace_back();
    double exact = 0, f1 = 0;
    for (const std::string& gold : golds) {
      exact = std::max(exact, squad_exact_match(gold, predicted->second));
      f1 = std::max(f1, squad_f1(gold, predicted->second, SquadVersion::v2_0));
    }
    const auto p = no_answer_probability.find(q.id);
    scored.push_back({&q, &predicted->second, exact, f1, p == no_answer_probability.end() ? 0.0 : p->second});
  }
  SquadScores out;
  out.total = static_cast<std::int64_t>(scored.size());
  double exact = 0, f1 = 0, has_exact = 0, has_f1 = 0, no_exact = 0, no_f1 = 0;
  for (const Scored& s : scored) {
    const bool has_answer = !s.question->answers.empty();
    // Called "no answer" above the threshold: right exactly when the question has none.
    const bool said_no_answer = s.no_answer > threshold;
    const double e = said_no_answer ? (has_answer ? 0.0 : 1.0) : s.exact;
    const double f = said_no_answer ? (has_answer ? 0.0 : 1.0) : s.f1;
    exact += e;
    f1 += f;
    (has_answer ? has_exact : no_exact) += e;
    (has_answer ? has_f1 : no_f1) += f;
    ++(has_answer ? out.has_answer_total : out.no_answer_total);
  }
  out.exact_match = percent(exact, out.total);
  out.f1 = percent(f1, out.total);
  if (out.has_answer_total > 0) {
    out.has_answer_exact = percent(has_exact, out.has_answer_total);
    out.has_answer_f1 = percent(has_f1, out.has_answer_total);
  }
  if (out.no_answer_total > 0) {
    out.no_answer_exact = percent(no_exact, out.no_answer_total);
    out.no_answer_f1 = percent(no_f1, out.no_answer_total);
  }
  // The best threshold: questions in order of their no-answer probability (stable: ties keep the
  // data's order, as the script's sort keeps its file's), each answered in turn instead of
  // "no answer"; the score starts from every unanswerable question counted right.
  std::vector<std::size_t> order(scored.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scored[a].no_answer < scored[b].no_answer; });
  auto best = [&](double Scored::*raw) {
    double score = static_cast<double>(unanswerable), best_score = score, best_threshold = 0.0;
    for (std::size_t i : order) {
      const Scored& s = scored[i];
      if (!s.question->answers.empty()) {
        score += s.*raw;
      } else if (!s.prediction->empty()) {
        score -= 1;
      }
      if (score > best_score) {
        best_score = score;
        best_threshold = s.no_answer;
      }
    }
    return std::pair{percent(best_score, out.total), best_threshold};
  };
  if (out.total > 0) {
    std::tie(out.best_exact, out.best_exact_threshold) = best(&Scored::exact);
    std::tie(out.best_f1, out.best_f1_threshold) = best(&Scored::f1);
  }
  return out;
}

}  // namespace pare
