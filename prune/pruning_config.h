// PruningConfig: what to prune and how, read from a JSON list of groups in the spirit of NNI's
// config_list. Parsing checks each group on its own; prune/pruning_resolve.h checks the groups
// against a model's parameters, so that every mistake surfaces before any training.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pare {

// The module kind a parameter belongs to (prune/parameter_roles.h tells them apart by HF name).
enum class PruneOpType { linear, embedding, layer_norm };

// How many weights share one mask entry (one score):
// - weight: every element has its own entry (mask shape = parameter shape);
// - block: [block_rows, block_cols] tiles of a 2-D weight (mask [rows / br, cols / bc]);
// - head: one entry per attention head, over Q/K/V rows and the attention output's columns ([heads]);
// - out_channel: one per output unit, a weight's row or a 1-D parameter's element ([rows]);
// - in_channel: one per input unit of a 2-D weight, its column ([cols]);
// - hidden: one per dimension of the residual stream ([hidden]), shared through a dependency group.
enum class Granularity { weight, block, head, out_channel, in_channel, hidden };

// global: every score of the group (or of its dependency group) is ranked against every other;
// per_layer: the target applies to each encoder layer on its own, and to each parameter outside the
// encoder layers on its own (NNI's default, a ratio per op).
enum class Ranking { global, per_layer };

// When masks change. Steps count optimizer steps from 0.
struct PruneSchedule {
  // Masks stay all ones (scores still accumulate) before this step. Default 0.
  std::int64_t warmup_steps = 0;
  // Sparsity is held at its target from this step on; absent means the end of training, which the
  // trainer knows (NNI's cooldown_begin_step). Must exceed warmup_steps.
  std::optional<std::int64_t> cooldown_begin_step;
  // Soft movement mode: weight of the sigmoid(score) penalty at the end of the ramp. Default 1.0
  // (NNI's default; its BERT tutorial uses 10).
  double regular_scale = 1.0;
  // Masks are recomputed every interval_steps steps. Default 1.
  std::int64_t interval_steps = 1;
  // AGP: when present, the sparsity is raised total_times times, every interval_steps from
  // warmup_steps, along the cubic curve; absent, it follows the cubic ramp continuously from
  // warmup_steps to cooldown_begin_step.
  std::optional<std::int64_t> total_times;
};

struct PruningGroup {
  // Regular expressions (ECMAScript) that must match a whole HF parameter name.
  std::vector<std::string> op_names;
  // Kinds of module the group takes; empty takes every kind.
  std::vector<PruneOpType> op_types;
  // Regular expressions (whole names) of parameters left out of the group.
  std::vector<std::string> exclude;
  // Exactly one is set: sparse_ratio in [0, 1) is the exact fraction removed (hard top-k);
  // sparse_threshold in (0, 1) keeps sigmoid(score) >= threshold (soft movement pruning).
  std::optional<double> sparse_ratio;
  std::optional<double> sparse_threshold;
  // "sparse_ratio": "follow_heads" (NNI's FFN rule after head pruning): each encoder layer's ratio
  // is 1 - kept_heads / num_attention_heads / 2, from the model's per-layer shapes, so a layer that
  // kept every head loses half its units and one without heads loses all. sparse_ratio then holds
  // 0.5, the ratio of a layer with every head; needs per_layer ranking and encoder parameters.
  bool ratio_follows_heads = false;
  Granularity granularity = Granularity::weight;
  std::int64_t block_rows = 0, block_cols = 0;  // set for Granularity::block only
  Ranking ranking = Ranking::per_layer;
  // Groups (and parameters) that share this name are pruned together: their masks have one shape
  // and one set of entries. "{layer}" in the name stands for the parameter's encoder layer index, so
  // "ffn_{layer}" makes one dependency group per layer. Empty: no dependency. Required for hidden.
  std::string dependency_group;
  // The criterion, by its name in prune/scorers/registry.cpp; required in the JSON: no default scorer.
  std::string scorer;
  PruneSchedule schedule;

  bool soft() const { return sparse_threshold.has_value(); }
};

struct PruningConfig {
  std::vector<PruningGroup> groups;
  // Where the config came from (a file name), named in every error.
  std::string source = "pruning config";

  // `json` is a non-empty array of group objects, at `path` in the document `source` ("" when it is
  // the whole document). Throws pare::Error naming `source`, the field's path ("[0].interval_steps",
  // "stages[2].pruning[0].interval_steps") and the value at fault: unknown keys, wrong types, numbers
  // out of range, both or neither of sparse_ratio/sparse_threshold, a ratio outside [0, 1), a
  // threshold outside (0, 1), soft mode with another scorer than movement, an invalid regular
  // expression, a bad granularity or schedule.
  static PruningConfig from_json(const nlohmann::json& json, const std::string& source = "pruning config",
                                 const std::string& path = "");
  static PruningConfig load(const std::filesystem::path& path);
};

std::string to_string(PruneOpType type);
std::string to_string(Granularity granularity);
std::string to_string(Ranking ranking);

}  // namespace pare
