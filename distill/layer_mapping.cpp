#include "distill/layer_mapping.h"

#include <algorithm>
#include <limits>

#include "runtime/error.h"

namespace pare {
namespace {

std::string list_str(const std::vector<std::int64_t>& values) {
  std::string out;
  for (std::int64_t v : values) {
    if (!out.empty()) out.push_back(',');
    out.append(std::to_string(v));
  }
  return out;
}

std::vector<LayerPair> fixed_map(std::int64_t student_layers, const std::vector<std::int64_t>& teacher_layers) {
  std::vector<LayerPair> pairs;
  for (std::int64_t s = 1; s <= student_layers; ++s) {
    pairs.push_back({s, teacher_layers.empty() ? s : teacher_layers[static_cast<std::size_t>(s - 1)]});
  }
  return pairs;
}

// The teacher layers nni may link a student layer to (those at or above it), and the ones cofi matches.
std::vector<std::int64_t> nni_links(std::int64_t teacher_layers, const std::vector<std::int64_t>& candidates) {
  std::vector<std::int64_t> links = candidates;
  if (links.empty()) {
    for (std::int64_t t = 1; t <= teacher_layers; ++t) links.push_back(t);
  }
  return links;
}

std::vector<std::int64_t> cofi_targets(std::int64_t teacher_layers, const std::vector<std::int64_t>& chosen) {
  return chosen.empty() ? default_cofi_teacher_layers(teacher_layers) : chosen;
}

std::vector<LayerPair> nni_map(std::int64_t student_layers, std::int64_t teacher_layers,
                               const std::vector<std::int64_t>& candidates, const LayerDistance& distance) {
  const std::vector<std::int64_t> links = nni_links(teacher_layers, candidates);
  std::vector<LayerPair> pairs;
  for (std::int64_t s = 1; s <= student_layers; ++s) {
    double best = std::numeric_limits<double>::infinity();
    std::int64_t best_teacher = 0;
    for (std::int64_t t : links) {
      if (t < s) continue;
      const double d = distance(s, t);
      if (best_teacher == 0 || d < best) {
        best = d;
        best_teacher = t;
      }
    }
    if (best_teacher != 0) pairs.push_back({s, best_teacher});
  }
  return pairs;
}

std::vector<LayerPair> cofi_map(std::int64_t student_layers, std::int64_t teacher_layers,
                                const std::vector<std::int64_t>& chosen, const std::vector<bool>& has_attention,
                                const LayerDistance& distance) {
  const std::vector<std::int64_t> targets = cofi_targets(teacher_layers, chosen);
  std::vector<LayerPair> pairs;
  std::int64_t upper = student_layers + 1;  // the next match lies strictly below this student layer
  for (auto t = targets.rbegin(); t != targets.rend(); ++t) {
    double best = std::numeric_limits<double>::infinity();
    std::int64_t best_student = 0;
    for (std::int64_t s = 1; s < upper; ++s) {
      if (!has_attention[static_cast<std::size_t>(s - 1)]) continue;
      const double d = distance(s, *t);
      if (best_student == 0 || d < best) {
        best = d;
        best_student = s;
      }
    }
    if (best_student == 0) break;  // no student layer left below the previous match
    pairs.push_back({best_student, *t});
    upper = best_student;
  }
  std::reverse(pairs.begin(), pairs.end());
  return pairs;
}

}  // namespace

std::string layer_map_name(LayerMapKind kind) {
  switch (kind) {
    case LayerMapKind::fixed:
      return "fixed";
    case LayerMapKind::nni:
      return "nni";
    case LayerMapKind::cofi:
      return "cofi";
  }
  throw Error("layer_map_name: unknown LayerMapKind");
}

LayerMapKind parse_layer_map(const std::string& name) {
  for (LayerMapKind kind : {LayerMapKind::fixed, LayerMapKind::nni, LayerMapKind::cofi}) {
    if (layer_map_name(kind) == name) return kind;
  }
  throw Error(detail::concat("unknown layer map '", name, "' (known: fixed, nni, cofi)"));
}

std::vector<std::int64_t> default_cofi_teacher_layers(std::int64_t teacher_layers) {
  PARE_CHECK(teacher_layers >= 1, "default_cofi_teacher_layers: the teacher has ", teacher_layers, " layers");
  // CoFi's 4 of 12 is every third layer; below 12 layers every third would leave most student layers
  // unmatched (one layer of a 4-layer teacher), so at least 4 (all of a smaller teacher) are chosen.
  const std::int64_t count = std::min(teacher_layers, std::max<std::int64_t>(4, teacher_layers / 3));
  std::vector<std::int64_t> layers;
  for (std::int64_t i = 1; i <= count; ++i) layers.push_back((teacher_layers * i + count - 1) / count);
  return layers;
}

void validate_layer_map(const LayerMapOptions& options, std::int64_t student_layers, std::int64_t teacher_layers) {
  const std::string name = layer_map_name(options.kind);
  PARE_CHECK(student_layers >= 1 && teacher_layers >= 1, "layer map ", name, ": the student has ", student_layers,
             " and the teacher ", teacher_layers, " layers; both need at least one");
  const std::vector<std::int64_t>& list = options.teacher_layers;
  for (std::int64_t t : list) {
    PARE_CHECK(t >= 1 && t <= teacher_layers, "layer map ", name, ": teacher layer ", t, " (in ", list_str(list),
               ") is outside 1..", teacher_layers, " (hidden_states indices of the teacher's layers)");
  }
  if (options.kind == LayerMapKind::fixed) {
    if (list.empty()) {
      PARE_CHECK(student_layers <= teacher_layers, "layer map fixed: the student has ", student_layers,
                 " layers but the teacher only ", teacher_layers, "; give one teacher layer per student layer");
    } else {
      PARE_CHECK(static_cast<std::int64_t>(list.size()) == student_layers, "layer map fixed: ", list.size(),
                 " teacher layers (", list_str(list), ") for ", student_layers, " student layers; give one each");
    }
    return;
  }
  for (std::size_t i = 1; i < list.size(); ++i) {
    PARE_CHECK(list[i - 1] < list[i], "layer map ", name, ": teacher layers ", list_str(list),
               " must be strictly ascending");
  }
}

std::vector<LayerPair> distance_pairs(const LayerMapOptions& options, std::int64_t student_layers,
                                      std::int64_t teacher_layers, const std::vector<bool>& student_has_attention) {
  std::vector<LayerPair> pairs;
  if (options.kind == LayerMapKind::nni) {
    const std::vector<std::int64_t> links = nni_links(teacher_layers, options.teacher_layers);
    for (std::int64_t s = 1; s <= student_layers; ++s) {
      for (std::int64_t t : links) {
        if (t >= s) pairs.push_back({s, t});
      }
    }
  } else if (options.kind == LayerMapKind::cofi) {
    for (std::int64_t t : cofi_targets(teacher_layers, options.teacher_layers)) {
      for (std::int64_t s = 1; s <= student_layers; ++s) {
        if (student_has_attention[static_cast<std::size_t>(s - 1)]) pairs.push_back({s, t});
      }
    }
  }
  return pairs;
}

std::vector<LayerPair> map_layers(const LayerMapOptions& options, std::int64_t student_layers,
                                  std::int64_t teacher_layers, const std::vector<bool>& student_has_attention,
                                  const LayerDistance& distance) {
  validate_layer_map(options, student_layers, teacher_layers);
  switch (options.kind) {
    case LayerMapKind::fixed:
      return fixed_map(student_layers, options.teacher_layers);
    case LayerMapKind::nni:
      return nni_map(student_layers, teacher_layers, options.teacher_layers, distance);
    case LayerMapKind::cofi:
      PARE_CHECK(static_cast<std::int64_t>(student_has_attention.size()) == student_layers,
                 "layer map cofi: ", student_has_attention.size(), " attention flags for ", student_layers,
                 " student layers");
      return cofi_map(student_layers, teacher_layers, options.teacher_layers, student_has_attention, distance);
  }
  throw Error("map_layers: unknown LayerMapKind");
}

}  // namespace pare
