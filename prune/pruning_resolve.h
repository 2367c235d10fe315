// resolve(): a PruningConfig checked against a model's parameters, before any training. Every group
// gets its parameters and the shape of each one's mask (the score shape of its granularity), and
// every dependency group its members.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "prune/parameter_roles.h"
#include "prune/pruning_config.h"

namespace pare {

class BertTaskModel;

struct ResolvedParameter {
  std::string name;
  Shape shape;
  // One entry per score: the parameter's shape (weight), [rows / br, cols / bc] (block), [heads]
  // (head), [rows] (out_channel), [cols] (in_channel), [hidden] (hidden).
  Shape mask_shape;
  // For each axis of the parameter, the mask dimension that indexes it (-1: the mask does not vary
  // along it) and how many consecutive elements one mask entry covers there (block size, head_dim,
  // or 1). Element (i0, i1, ...) is kept when every entry mask[.., i_a / span_a, ..] it meets is
  // kept; two axes may index the same dimension (the pooler's hidden x hidden weight).
  std::vector<int> mask_axis;
  std::vector<std::int64_t> span;
  std::int64_t layer = -1;  // encoder layer; -1 outside the encoder layers
  std::string dependency;   // the group's dependency_group with "{layer}" filled in; "" for none
};

struct ResolvedGroup {
  std::size_t index = 0;  // position in the config
  PruningGroup group;
  std::vector<ResolvedParameter> parameters;  // in the order of the parameters given to resolve
};

// Parameters pruned together: one mask of mask_shape shared by all of them.
struct ResolvedDependency {
  std::string name;
  Shape mask_shape;
  std::vector<std::string> parameters;
  std::vector<std::size_t> groups;  // indices of the groups the members come from, ascending
};

struct ResolvedPruning {
  std::vector<ResolvedGroup> groups;
  std::vector<ResolvedDependency> dependencies;  // sorted by name
};

// Throws pare::Error naming the config's source, the group index, the field and the value at fault:
// an op_names regex that selects no parameter (after op_types and exclude), an exclude regex that
// removes nothing, a granularity that does not fit or divide a parameter (naming it and its shape),
// head granularity on a parameter that is not an attention projection, a parameter taken by two
// groups, "{layer}" on a parameter outside the encoder layers, and members of one dependency group
// whose mask shapes, targets, scorers, rankings or schedules differ.
ResolvedPruning resolve(const PruningConfig& config, const std::vector<PruneParameterInfo>& parameters);
ResolvedPruning resolve(const PruningConfig& config, const BertTaskModel& model);

}  // namespace pare
