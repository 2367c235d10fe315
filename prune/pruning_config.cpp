#include "prune/pruning_config.h"

#include "prune/name_pattern.h"
#include "prune/scorers/scorer.h"  // check_scorer_name, check_soft_scorer
#include "runtime/error.h"
#include "runtime/io/json_file.h"    // read_json_file
#include "runtime/io/json_path.h"    // json_element_path
#include "runtime/io/json_reader.h"  // JsonReader

namespace pare {
namespace {

using nlohmann::json;

// A list of strings under `key`; a required one must be present and non-empty.
std::vector<std::string> strings(const JsonReader& reader, const char* key, bool required) {
  if (required) reader.at(key);
  const char* expected = required ? "must be a non-empty list of strings" : "must be a list of strings";
  reader.check(!reader.has(key) || reader.at(key).is_array(), key, expected);
  std::vector<std::string> out = reader.list<std::string>(key);
  reader.check(!required || !out.empty(), key, expected);
  return out;
}

// Each entry must compile as a NamePattern (RE2 syntax).
std::vector<std::string> regexes(const JsonReader& reader, const char* key, bool required) {
  std::vector<std::string> out = strings(reader, key, required);
  for (const std::string& pattern : out) {
    try {
      NamePattern::compile(pattern);
    } catch (const Error& e) {
      reader.fail(key, "holds an invalid regular expression " + json(pattern).dump() + " (" + e.what() + ")");
    }
  }
  return out;
}

// One of `names` (each paired with its value); lists the choices when the value is not one.
template <typename Enum>
Enum choice(const JsonReader& reader, const char* key, const std::vector<std::pair<std::string, Enum>>& names) {
  std::string listing;
  for (const auto& [name, value] : names) listing += (listing.empty() ? "\"" : ", \"") + name + "\"";
  reader.check(reader.has(key), key, "is required (one of " + listing + ")");
  const json& v = reader.at(key);
  for (const auto& [name, value] : names) {
    if (v.is_string() && v.get<std::string>() == name) return value;
  }
  reader.fail(key, "must be one of " + listing);
}

const std::vector<std::pair<std::string, PruneOpType>> kOpTypes = {
    {"linear", PruneOpType::linear}, {"embedding", PruneOpType::embedding}, {"layer_norm", PruneOpType::layer_norm}};
const std::vector<std::pair<std::string, Granularity>> kNamedGranularities = {{"weight", Granularity::weight},
                                                                              {"head", Granularity::head},
                                                                              {"out_channel", Granularity::out_channel},
                                                                              {"in_channel", Granularity::in_channel},
                                                                              {"hidden", Granularity::hidden}};
const std::vector<std::pair<std::string, Ranking>> kRankings = {{"global", Ranking::global},
                                                                {"per_layer", Ranking::per_layer}};

template <typename Enum>
std::string name_of(const std::vector<std::pair<std::string, Enum>>& names, Enum value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

void read_op_types(const JsonReader& reader, PruningGroup& group) {
  if (!reader.has("op_types")) return;
  const json& v = reader.at("op_types");
  reader.check(v.is_array() && !v.empty(), "op_types",
               "must be a non-empty list of \"linear\", \"embedding\", \"layer_norm\"");
  for (const json& item : v) {
    bool found = false;
    for (const auto& [name, type] : kOpTypes) {
      if (item.is_string() && item.get<std::string>() == name) {
        group.op_types.push_back(type);
        found = true;
      }
    }
    reader.check(found, "op_types", "must hold only \"linear\", \"embedding\", \"layer_norm\"");
  }
}

void read_granularity(const JsonReader& reader, PruningGroup& group) {
  if (!reader.has("granularity")) return;
  const json& v = reader.at("granularity");
  if (v.is_array()) {
    reader.check(v.size() == 2, "granularity", "as a block must be [rows, cols] with two positive integers");
    const std::vector<std::int64_t> block = reader.list<std::int64_t>("granularity", {.min = 1});
    group.granularity = Granularity::block;
    group.block_rows = block[0];
    group.block_cols = block[1];
    return;
  }
  group.granularity = choice(reader, "granularity", kNamedGranularities);
}

void read_target(const JsonReader& reader, PruningGroup& group) {
  if (reader.has("sparse_ratio") && reader.at("sparse_ratio").is_string()) {
    reader.check(reader.at("sparse_ratio") == "follow_heads", "sparse_ratio", "must be a number or \"follow_heads\"");
    reader.check(!reader.has("sparse_threshold"), "sparse_ratio", "or \"sparse_threshold\": exactly one must be given");
    reader.check(group.ranking == Ranking::per_layer, "sparse_ratio",
                 "\"follow_heads\" sets one ratio per encoder layer, so ranking must be \"per_layer\"");
    group.sparse_ratio = 0.5;
    group.ratio_follows_heads = true;
    return;
  }
  group.sparse_ratio = reader.optional<double>("sparse_ratio");
  group.sparse_threshold = reader.optional<double>("sparse_threshold");
  reader.check(group.sparse_ratio.has_value() != group.sparse_threshold.has_value(), "sparse_ratio",
               "or \"sparse_threshold\": exactly one must be given");
  if (group.sparse_ratio) {
    reader.check(*group.sparse_ratio >= 0.0 && *group.sparse_ratio < 1.0, "sparse_ratio", "must lie in [0, 1)");
  } else {
    reader.check(*group.sparse_threshold > 0.0 && *group.sparse_threshold < 1.0, "sparse_threshold",
                 "must lie in (0, 1) (it is compared with sigmoid(score))");
    const std::string soft_problem = check_soft_scorer(group.scorer);
    reader.check(soft_problem.empty(), "sparse_threshold", soft_problem);
  }
}

void read_schedule(const JsonReader& reader, PruneSchedule& schedule) {
  schedule.warmup_steps = reader.get<std::int64_t>("warmup_steps", 0, {.min = 0});
  schedule.cooldown_begin_step = reader.optional<std::int64_t>("cooldown_begin_step", {.min = 1});
  if (schedule.cooldown_begin_step) {
    reader.check(*schedule.cooldown_begin_step > schedule.warmup_steps, "cooldown_begin_step",
                 "must exceed warmup_steps (" + std::to_string(schedule.warmup_steps) + ")");
  }
  schedule.regular_scale = reader.get<double>("regular_scale", schedule.regular_scale, {.min = 0.0});
  schedule.interval_steps = reader.get<std::int64_t>("interval_steps", 1, {.min = 1});
  schedule.total_times = reader.optional<std::int64_t>("total_times", {.min = 1});
  if (schedule.total_times && schedule.cooldown_begin_step) {
    // In 128 bits: each term may be as large as an int64 holds.
    const __int128 last = static_cast<__int128>(schedule.warmup_steps) +
                          static_cast<__int128>(schedule.interval_steps) * *schedule.total_times;
    reader.check(last <= *schedule.cooldown_begin_step, "total_times",
                 "times interval_steps (" + std::to_string(schedule.interval_steps) + ") after warmup_steps (" +
                     std::to_string(schedule.warmup_steps) + ") runs past cooldown_begin_step (" +
                     std::to_string(*schedule.cooldown_begin_step) + ")");
  }
}

PruningGroup read_group(const JsonReader& reader) {
  PruningGroup group;
  group.op_names = regexes(reader, "op_names", true);
  read_op_types(reader, group);
  group.exclude = regexes(reader, "exclude", false);
  group.scorer = reader.required<std::string>("scorer");
  const std::string scorer_problem = check_scorer_name(group.scorer);
  reader.check(scorer_problem.empty(), "scorer", scorer_problem);
  read_granularity(reader, group);
  if (reader.has("ranking")) group.ranking = choice(reader, "ranking", kRankings);
  read_target(reader, group);
  group.dependency_group = reader.get<std::string>("dependency_group", "");
  reader.check(!reader.has("dependency_group") || !group.dependency_group.empty(), "dependency_group",
               "must be a non-empty string");
  reader.check(group.granularity != Granularity::hidden || !group.dependency_group.empty(), "dependency_group",
               "is required with granularity \"hidden\" (every parameter with the hidden size shares one mask)");
  read_schedule(reader, group.schedule);
  reader.finish();
  return group;
}

}  // namespace

PruningConfig PruningConfig::from_json(const json& json, const std::string& source, const std::string& path) {
  const std::string where = path.empty() ? source : source + ": " + path;
  PARE_CHECK(json.is_array() && !json.empty(), where,
             ": a pruning config must be a non-empty JSON list of groups, got ", json.dump().substr(0, 200));
  PruningConfig config;
  config.source = where;
  for (std::size_t i = 0; i < json.size(); ++i) {
    // A pruning config is pare's own format: a misspelt key would be a setting silently not applied.
    const JsonReader reader(json[i], source, json_element_path(path, i), UnknownKeys::refuse);
    config.groups.push_back(read_group(reader));
  }
  return config;
}

PruningConfig PruningConfig::load(const std::filesystem::path& path) {
  return from_json(read_json_file(path, "pruning config"), path.string());
}

std::string to_string(PruneOpType type) { return name_of(kOpTypes, type); }
std::string to_string(Granularity granularity) {
  return granularity == Granularity::block ? "block" : name_of(kNamedGranularities, granularity);
}
std::string to_string(Ranking ranking) { return name_of(kRankings, ranking); }
}  // namespace pare
