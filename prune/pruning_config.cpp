#include "prune/pruning_config.h"

#include <fstream>
#include <set>

#include "prune/name_pattern.h"
#include "runtime/error.h"
#include "runtime/io/json_file.h"

namespace pare {
namespace {

using nlohmann::json;

const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys = {
      "op_names",       "op_types",         "exclude", "sparse_ratio", "sparse_threshold",    "granularity",
      "ranking",        "dependency_group", "scorer",  "warmup_steps", "cooldown_begin_step", "regular_scale",
      "interval_steps", "total_times"};
  return keys;
}

std::string known_keys_list() {
  std::string out;
  for (const std::string& key : known_keys()) out += (out.empty() ? "" : ", ") + key;
  return out;
}

// Reads the fields of one group and names the source, the group index and the field in every error.
class GroupReader {
 public:
  GroupReader(const json& object, const std::string& source, std::size_t index)
      : object_(object), source_(source), index_(index) {}

  bool has(const char* key) const { return object_.contains(key) && !object_.at(key).is_null(); }
  const json& at(const char* key) const { return object_.at(key); }

  void check(bool ok, const std::string& key, const std::string& what, const json& value) const {
    PARE_CHECK(ok, source_, ": group ", index_, ": field \"", key, "\" ", what, ", got ", value.dump());
  }

  std::vector<std::string> strings(const char* key, bool required) const {
    if (!has(key)) {
      check(!required, key, "is required (a list of strings)", json());
      return {};
    }
    const json& v = at(key);
    check(v.is_array() && (!required || !v.empty()), key,
          required ? "must be a non-empty list of strings" : "must be a list of strings", v);
    std::vector<std::string> out;
    for (const json& item : v) {
      check(item.is_string(), key, "must hold strings only", v);
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  // Each entry must compile as a NamePattern (RE2 syntax).
  std::vector<std::string> regexes(const char* key, bool required) const {
    std::vector<std::string> out = strings(key, required);
    for (const std::string& pattern : out) {
      try {
        NamePattern::compile(pattern);
      } catch (const Error& e) {
        check(false, key, std::string("holds an invalid regular expression (") + e.what() + ")", json(pattern));
      }
    }
    return out;
  }

  std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t min) const {
    if (!has(key)) return fallback;
    const json& v = at(key);
    check(v.is_number_integer(), key, "must be an integer", v);
    check(v.is_number_unsigned() || v.get<std::int64_t>() >= min, key, "must be at least " + std::to_string(min), v);
    return v.get<std::int64_t>();
  }

  std::optional<std::int64_t> optional_integer(const char* key, std::int64_t min) const {
    if (!has(key)) return std::nullopt;
    return integer(key, 0, min);
  }

  std::optional<double> number(const char* key) const {
    if (!has(key)) return std::nullopt;
    const json& v = at(key);
    check(v.is_number(), key, "must be a number", v);
    return v.get<double>();
  }

  // One of `names` (each paired with its value); lists the choices when the value is not one.
  template <typename Enum>
  Enum choice(const char* key, const std::vector<std::pair<std::string, Enum>>& names) const {
    const json& v = at(key);
    std::string listing;
    for (const auto& [name, value] : names) listing += (listing.empty() ? "\"" : ", \"") + name + "\"";
    check(v.is_string(), key, "must be one of " + listing, v);
    for (const auto& [name, value] : names) {
      if (v.get<std::string>() == name) return value;
    }
    check(false, key, "must be one of " + listing, v);
    return names.front().second;
  }

 private:
  const json& object_;
  const std::string& source_;
  std::size_t index_;
};

const std::vector<std::pair<std::string, PruneOpType>> kOpTypes = {
    {"linear", PruneOpType::linear}, {"embedding", PruneOpType::embedding}, {"layer_norm", PruneOpType::layer_norm}};
const std::vector<std::pair<std::string, Granularity>> kNamedGranularities = {{"weight", Granularity::weight},
                                                                              {"head", Granularity::head},
                                                                              {"out_channel", Granularity::out_channel},
                                                                              {"in_channel", Granularity::in_channel},
                                                                              {"hidden", Granularity::hidden}};
const std::vector<std::pair<std::string, Ranking>> kRankings = {{"global", Ranking::global},
                                                                {"per_layer", Ranking::per_layer}};
const std::vector<std::pair<std::string, ScorerKind>> kScorers = {
    {"movement", ScorerKind::movement}, {"taylor", ScorerKind::taylor}, {"magnitude", ScorerKind::magnitude}};

template <typename Enum>
std::string name_of(const std::vector<std::pair<std::string, Enum>>& names, Enum value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

void read_op_types(const GroupReader& reader, PruningGroup& group) {
  if (!reader.has("op_types")) return;
  const json& v = reader.at("op_types");
  reader.check(v.is_array() && !v.empty(), "op_types",
               "must be a non-empty list of \"linear\", \"embedding\", \"layer_norm\"", v);
  for (const json& item : v) {
    bool found = false;
    for (const auto& [name, type] : kOpTypes) {
      if (item.is_string() && item.get<std::string>() == name) {
        group.op_types.push_back(type);
        found = true;
      }
    }
    reader.check(found, "op_types", "must hold only \"linear\", \"embedding\", \"layer_norm\"", item);
  }
}

void read_granularity(const GroupReader& reader, PruningGroup& group) {
  if (!reader.has("granularity")) return;
  const json& v = reader.at("granularity");
  if (v.is_array()) {
    reader.check(v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer() &&
                     v[0].get<std::int64_t>() > 0 && v[1].get<std::int64_t>() > 0,
                 "granularity", "as a block must be [rows, cols] with two positive integers", v);
    group.granularity = Granularity::block;
    group.block_rows = v[0].get<std::int64_t>();
    group.block_cols = v[1].get<std::int64_t>();
    return;
  }
  group.granularity = reader.choice("granularity", kNamedGranularities);
}

void read_target(const GroupReader& reader, PruningGroup& group) {
  if (reader.has("sparse_ratio") && reader.at("sparse_ratio").is_string()) {
    reader.check(reader.at("sparse_ratio") == "follow_heads", "sparse_ratio", "must be a number or \"follow_heads\"",
                 reader.at("sparse_ratio"));
    reader.check(!reader.has("sparse_threshold"), "sparse_ratio", "or \"sparse_threshold\": exactly one must be given",
                 reader.at("sparse_ratio"));
    reader.check(group.ranking == Ranking::per_layer, "sparse_ratio",
                 "\"follow_heads\" sets one ratio per encoder layer, so ranking must be \"per_layer\"",
                 reader.at("sparse_ratio"));
    group.sparse_ratio = 0.5;
    group.ratio_follows_heads = true;
    return;
  }
  group.sparse_ratio = reader.number("sparse_ratio");
  group.sparse_threshold = reader.number("sparse_threshold");
  const json both = {{"sparse_ratio", reader.has("sparse_ratio") ? reader.at("sparse_ratio") : json()},
                     {"sparse_threshold", reader.has("sparse_threshold") ? reader.at("sparse_threshold") : json()}};
  reader.check(group.sparse_ratio.has_value() != group.sparse_threshold.has_value(), "sparse_ratio",
               "or \"sparse_threshold\": exactly one must be given", both);
  if (group.sparse_ratio) {
    reader.check(*group.sparse_ratio >= 0.0 && *group.sparse_ratio < 1.0, "sparse_ratio", "must lie in [0, 1)",
                 reader.at("sparse_ratio"));
  } else {
    reader.check(*group.sparse_threshold > 0.0 && *group.sparse_threshold < 1.0, "sparse_threshold",
                 "must lie in (0, 1) (it is compared with sigmoid(score))", reader.at("sparse_threshold"));
    reader.check(group.scorer == ScorerKind::movement, "sparse_threshold",
                 "(soft mode) needs scorer \"movement\", the only scorer with learned scores; scorer is \"" +
                     name_of(kScorers, group.scorer) + "\"",
                 reader.at("sparse_threshold"));
  }
}

void read_schedule(const GroupReader& reader, PruneSchedule& schedule) {
  schedule.warmup_steps = reader.integer("warmup_steps", 0, 0);
  schedule.cooldown_begin_step = reader.optional_integer("cooldown_begin_step", 1);
  if (schedule.cooldown_begin_step) {
    reader.check(*schedule.cooldown_begin_step > schedule.warmup_steps, "cooldown_begin_step",
                 "must exceed warmup_steps (" + std::to_string(schedule.warmup_steps) + ")",
                 reader.at("cooldown_begin_step"));
  }
  if (const auto scale = reader.number("regular_scale")) {
    reader.check(*scale >= 0.0, "regular_scale", "must be at least 0", reader.at("regular_scale"));
    schedule.regular_scale = *scale;
  }
  schedule.interval_steps = reader.integer("interval_steps", 1, 1);
  schedule.total_times = reader.optional_integer("total_times", 1);
  if (schedule.total_times && schedule.cooldown_begin_step) {
    const std::int64_t last = schedule.warmup_steps + schedule.interval_steps * *schedule.total_times;
    reader.check(last <= *schedule.cooldown_begin_step, "total_times",
                 "times interval_steps (" + std::to_string(schedule.interval_steps) + ") after warmup_steps (" +
                     std::to_string(schedule.warmup_steps) + ") runs past cooldown_begin_step (" +
                     std::to_string(*schedule.cooldown_begin_step) + ")",
                 reader.at("total_times"));
  }
}

PruningGroup read_group(const json& object, const std::string& source, std::size_t index) {
  PARE_CHECK(object.is_object(), source, ": group ", index, " must be a JSON object, got ", object.dump());
  for (const auto& [key, value] : object.items()) {
    PARE_CHECK(known_keys().count(key), source, ": group ", index, ": unknown field \"", key,
               "\" (known: ", known_keys_list(), ")");
  }
  const GroupReader reader(object, source, index);
  PruningGroup group;
  group.op_names = reader.regexes("op_names", true);
  read_op_types(reader, group);
  group.exclude = reader.regexes("exclude", false);
  reader.check(reader.has("scorer"), "scorer", "is required (\"movement\", \"taylor\" or \"magnitude\")", json());
  group.scorer = reader.choice("scorer", kScorers);
  read_granularity(reader, group);
  if (reader.has("ranking")) group.ranking = reader.choice("ranking", kRankings);
  read_target(reader, group);
  if (reader.has("dependency_group")) {
    const json& v = reader.at("dependency_group");
    reader.check(v.is_string() && !v.get<std::string>().empty(), "dependency_group", "must be a non-empty string", v);
    group.dependency_group = v.get<std::string>();
  }
  reader.check(group.granularity != Granularity::hidden || !group.dependency_group.empty(), "dependency_group",
               "is required with granularity \"hidden\" (every parameter with the hidden size shares one mask)",
               json());
  read_schedule(reader, group.schedule);
  return group;
}

}  // namespace

PruningConfig PruningConfig::from_json(const json& json, const std::string& source) {
  PARE_CHECK(json.is_array() && !json.empty(), source,
             ": a pruning config must be a non-empty JSON list of groups, got ", json.dump().substr(0, 200));
  PruningConfig config;
  config.source = source;
  for (std::size_t i = 0; i < json.size(); ++i) config.groups.push_back(read_group(json[i], source, i));
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
std::string to_string(ScorerKind scorer) { return name_of(kScorers, scorer); }

}  // namespace pare
