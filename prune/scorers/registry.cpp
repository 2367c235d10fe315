// Every pruning criterion, under the name a pruning config's "scorer" gives it. A new criterion is
// one file in prune/scorers/ defining its factory, declared and listed here.
#include <map>

#include "prune/scorers/scorer.h"
#include "runtime/error.h"  // Error

namespace pare {

std::unique_ptr<Scorer> make_magnitude_scorer(const ScorerSetup& setup);  // prune/scorers/magnitude.cpp
std::unique_ptr<Scorer> make_movement_scorer(const ScorerSetup& setup);   // prune/scorers/movement.cpp
std::unique_ptr<Scorer> make_taylor_scorer(const ScorerSetup& setup);     // prune/scorers/taylor.cpp

namespace {

struct Criterion {
  std::unique_ptr<Scorer> (*make)(const ScorerSetup&);
  // Whether its scorers have learned_scores() (what soft, thresholded masks need).
  bool learns_scores;
};

const std::map<std::string, Criterion>& registry() {
  static const std::map<std::string, Criterion> criteria = {
      {"magnitude", {make_magnitude_scorer, false}},
      {"movement", {make_movement_scorer, true}},
      {"taylor", {make_taylor_scorer, false}},
  };
  return criteria;
}

// "a", "b" or "c": the names for a message.
std::string listing(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  }
  return out;
}

}  // namespace

std::vector<std::string> scorer_names() {
  std::vector<std::string> names;
  for (const auto& [name, criterion] : registry()) names.push_back(name);
  return names;
}

std::string check_scorer_name(const std::string& criterion) {
  if (registry().count(criterion) != 0) return {};
  return "must be " + listing(scorer_names());
}

std::string check_soft_scorer(const std::string& criterion) {
  const auto it = registry().find(criterion);
  if (it != registry().end() && it->second.learns_scores) return {};
  std::vector<std::string> learning;
  for (const auto& [name, c] : registry()) {
    if (c.learns_scores) learning.push_back(name);
  }
  return "(soft mode) needs scorer " + listing(learning) + " (learned scores); scorer is \"" + criterion + "\"";
}

std::unique_ptr<Scorer> make_scorer(const std::string& criterion, const ScorerSetup& setup) {
  const auto it = registry().find(criterion);
  PARE_CHECK(it != registry().end(), "pruning: unknown scorer \"", criterion, "\" (known: ", listing(scorer_names()),
             ")");
  return it->second.make(setup);
}

}  // namespace pare
