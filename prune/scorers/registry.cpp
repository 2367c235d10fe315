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

using ScorerFactory = std::unique_ptr<Scorer> (*)(const ScorerSetup&);

const std::map<std::string, ScorerFactory>& registry() {
  static const std::map<std::string, ScorerFactory> factories = {
      {"magnitude", make_magnitude_scorer},
      {"movement", make_movement_scorer},
      {"taylor", make_taylor_scorer},
  };
  return factories;
}

}  // namespace

std::vector<std::string> scorer_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<Scorer> make_scorer(const std::string& criterion, const ScorerSetup& setup) {
  const auto it = registry().find(criterion);
  if (it == registry().end()) {
    std::string known;
    for (const std::string& name : scorer_names()) known += (known.empty() ? "\"" : ", \"") + name + "\"";
    throw Error("pruning: unknown scorer \"" + criterion + "\" (known: " + known + ")");
  }
  return it->second(setup);
}

}  // namespace pare
