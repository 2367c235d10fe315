#include "pipeline/recipe.h"

#include <fstream>
#include <set>

#include "runtime/error.h"
#include "runtime/io/json_file.h"

namespace pare {
namespace {

using nlohmann::json;

// Reads one JSON object's fields, naming the recipe and the field's path ("stages[1].lr") in every
// error, and refusing fields it does not know.
class FieldReader {
 public:
  FieldReader(const json& object, std::string source, std::string path, std::set<std::string> known)
      : object_(object), source_(std::move(source)), path_(std::move(path)) {
    PARE_CHECK(object.is_object(), source_, ": ", where(""), " must be an object, got ", object.dump());
    for (const auto& [key, value] : object.items()) {
      if (known.count(key)) continue;
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Error(source_ + ": unknown field \"" + where(key) + "\" (known: " + list + ")");
    }
  }

  std::string where(const std::string& key) const {
    if (path_.empty()) return key;
    return key.empty() ? path_ : path_ + "." + key;
  }
  bool has(const char* key) const { return object_.contains(key); }
  const json& at(const char* key) const { return object_.at(key); }

  void check(bool ok, const char* key, const std::string& what) const {
    PARE_CHECK(ok, source_, ": field \"", where(key), "\" ", what, ", got ", object_.at(key).dump());
  }

  std::string text(const char* key, const std::string& fallback, bool required = false) const {
    PARE_CHECK(has(key) || !required, source_, ": field \"", where(key), "\" is required");
    if (!has(key)) return fallback;
    check(at(key).is_string(), key, "must be a string");
    return at(key).get<std::string>();
  }
  double number(const char* key, double fallback, double min, bool open_min = false) const {
    if (!has(key)) return fallback;
    check(at(key).is_number(), key, "must be a number");
    const double v = at(key).get<double>();
    check(std::isfinite(v) && (open_min ? v > min : v >= min), key,
          (open_min ? "must be above " : "must be at least ") + std::to_string(min));
    return v;
  }
  std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t min) const {
    if (!has(key)) return fallback;
    check(at(key).is_number_integer() && (at(key).is_number_unsigned() || at(key).get<std::int64_t>() >= min), key,
          "must be an integer of at least " + std::to_string(min));
    return at(key).get<std::int64_t>();
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    check(at(key).is_boolean(), key, "must be true or false");
    return at(key).get<bool>();
  }

 private:
  const json& object_;
  std::string source_;
  std::string path_;
};

TrainingBlock read_training(const json& j, const std::string& source, const std::string& path, std::size_t batch,
                            bool steps_may_be_zero = false, std::set<std::string> more_keys = {}) {
  std::set<std::string> known = {"steps", "lr", "warmup_ratio", "batch"};
  known.insert(more_keys.begin(), more_keys.end());
  FieldReader r(j, source, path, known);
  TrainingBlock t;
  PARE_CHECK(r.has("steps"), source, ": field \"", r.where("steps"), "\" is required");
  t.steps = r.integer("steps", 0, steps_may_be_zero ? 0 : 1);
  t.lr = r.number("lr", t.lr, 0.0, true);
  t.warmup_ratio = r.number("warmup_ratio", t.warmup_ratio, 0.0);
  r.check(!r.has("warmup_ratio") || t.warmup_ratio < 1.0, "warmup_ratio", "must be below 1");
  t.batch = static_cast<std::size_t>(r.integer("batch", static_cast<std::int64_t>(batch), 1));
  return t;
}

json training_json(const TrainingBlock& t) {
  return {{"steps", t.steps}, {"lr", t.lr}, {"warmup_ratio", t.warmup_ratio}, {"batch", t.batch}};
}

DistillBlock read_distill(const json& j, const std::string& source, const std::string& path) {
  DistillBlock d;
  if (j.is_boolean()) {
    d.enabled = j.get<bool>();
    return d;
  }
  FieldReader r(j, source, path,
                {"task_weight", "logit_weight", "hidden_weight", "temperature", "layer_map", "teacher_layers",
                 "learned_projection"});
  d.task_weight = r.number("task_weight", d.task_weight, 0.0);
  d.options.logit_weight = r.number("logit_weight", d.options.logit_weight, 0.0);
  d.options.hidden_weight = r.number("hidden_weight", d.options.hidden_weight, 0.0);
  d.options.temperature = r.number("temperature", d.options.temperature, 0.0, true);
  d.options.layer_map.kind = parse_layer_map(r.text("layer_map", "cofi"));
  if (r.has("teacher_layers")) {
    r.check(r.at("teacher_layers").is_array(), "teacher_layers", "must be a list of layer numbers");
    for (const json& layer : r.at("teacher_layers")) {
      r.check(layer.is_number_integer() && layer.get<std::int64_t>() >= 1, "teacher_layers",
              "must hold layer numbers of at least 1");
      d.options.layer_map.teacher_layers.push_back(layer.get<std::int64_t>());
    }
  }
  d.options.learned_projection = r.boolean("learned_projection", false);
  try {
    d.options.validate();
  } catch (const Error& e) {
    throw Error(source + ": " + path + ": " + e.what());
  }
  return d;
}

json distill_json(const DistillBlock& d) {
  if (!d.enabled) return false;
  return {{"task_weight", d.task_weight},
          {"logit_weight", d.options.logit_weight},
          {"hidden_weight", d.options.hidden_weight},
          {"temperature", d.options.temperature},
          {"layer_map", layer_map_name(d.options.layer_map.kind)},
          {"teacher_layers", d.options.layer_map.teacher_layers},
          {"learned_projection", d.options.learned_projection}};
}

bool is_directory_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

Recipe Recipe::from_json(const json& j, const std::string& source, const std::filesystem::path& base_dir) {
  FieldReader r(j, source, "",
                {"name", "description", "seq", "batch", "eval_batch", "save_every", "pretrain", "teacher",
                 "attention_removed", "stages"});
  Recipe recipe;
  recipe.source = source;
  recipe.name = r.text("name", "", true);
  recipe.description = r.text("description", "");
  recipe.seq = static_cast<std::size_t>(r.integer("seq", 128, 8));
  recipe.batch = static_cast<std::size_t>(r.integer("batch", 32, 1));
  recipe.eval_batch = static_cast<std::size_t>(r.integer("eval_batch", 64, 1));
  recipe.save_every = r.integer("save_every", recipe.save_every, 0);

  if (r.has("pretrain")) {
    const json& p = r.at("pretrain");
    recipe.pretrain.train = read_training(p, source, "pretrain", recipe.batch, false, {"size", "vocab_size", "seq"});
    FieldReader pr(p, source, "pretrain", {"steps", "lr", "warmup_ratio", "batch", "size", "vocab_size", "seq"});
    recipe.pretrain.size = pr.text("size", recipe.pretrain.size);
    recipe.pretrain.vocab_size = pr.integer("vocab_size", recipe.pretrain.vocab_size, 16);
    recipe.pretrain.seq = static_cast<std::size_t>(pr.integer("seq", 128, 8));
  } else {
    recipe.pretrain.train = {600, 1e-3, 0.06, recipe.batch};
  }
  PARE_CHECK(r.has("teacher"), source, ": field \"teacher\" is required (the fine-tuning of the teacher)");
  recipe.teacher = read_training(r.at("teacher"), source, "teacher", recipe.batch);
  if (r.has("attention_removed")) {
    recipe.attention_removed =
        read_training(r.at("attention_removed"), source, "attention_removed", recipe.batch, true);
  }

  PARE_CHECK(r.has("stages") && r.at("stages").is_array() && !r.at("stages").empty(), source,
             ": field \"stages\" must be a non-empty list of pruning stages");
  std::set<std::string> names;
  for (std::size_t i = 0; i < r.at("stages").size(); ++i) {
    const json& s = r.at("stages")[i];
    const std::string path = "stages[" + std::to_string(i) + "]";
    PruneStage stage;
    stage.train = read_training(s, source, path, recipe.batch, false, {"name", "pruning", "score_lr", "distill"});
    FieldReader sr(s, source, path, {"name", "pruning", "score_lr", "distill", "steps", "lr", "warmup_ratio", "batch"});
    stage.name = sr.text("name", "", true);
    sr.check(is_directory_name(stage.name), "name", "must be letters, digits, '-' or '_' (a directory name)");
    sr.check(names.insert(stage.name).second, "name", "is used by an earlier stage");
    PARE_CHECK(sr.has("pruning"), source, ": field \"", sr.where("pruning"), "\" is required (a pruning config)");
    const json& pruning = sr.at("pruning");
    if (pruning.is_string()) {
      const std::filesystem::path file = base_dir / pruning.get<std::string>();
      stage.pruning_json = read_json_file(file, "pruning config of " + sr.where("pruning"));
      stage.pruning = PruningConfig::from_json(stage.pruning_json, file.string());
    } else {
      stage.pruning_json = pruning;
      stage.pruning = PruningConfig::from_json(pruning, source + ": " + sr.where("pruning"));
    }
    stage.score_lr = sr.number("score_lr", stage.score_lr, 0.0, true);
    if (sr.has("distill")) stage.distill = read_distill(sr.at("distill"), source, sr.where("distill"));
    recipe.stages.push_back(std::move(stage));
  }
  return recipe;
}

Recipe Recipe::load(const std::filesystem::path& path) {
  return from_json(read_json_file(path, "recipe"), path.string(), path.parent_path());
}

json Recipe::to_json() const {
  json stages_json = json::array();
  for (const PruneStage& s : stages) {
    json j = training_json(s.train);
    j["name"] = s.name;
    j["pruning"] = s.pruning_json;
    j["score_lr"] = s.score_lr;
    j["distill"] = distill_json(s.distill);
    stages_json.push_back(std::move(j));
  }
  json pretrain_json = training_json(pretrain.train);
  pretrain_json["size"] = pretrain.size;
  pretrain_json["vocab_size"] = pretrain.vocab_size;
  pretrain_json["seq"] = pretrain.seq;
  return {{"name", name},
          {"description", description},
          {"seq", seq},
          {"batch", batch},
          {"eval_batch", eval_batch},
          {"save_every", save_every},
          {"pretrain", pretrain_json},
          {"teacher", training_json(teacher)},
          {"attention_removed", training_json(attention_removed)},
          {"stages", stages_json}};
}

std::filesystem::path shipped_recipe_dir() { return PARE_RECIPE_DIR; }

Recipe shipped_recipe(const std::string& name) {
  const std::filesystem::path path = shipped_recipe_dir() / (name + ".json");
  PARE_CHECK(std::filesystem::exists(path), "no shipped recipe '", name, "': ", path.string(), " does not exist");
  return Recipe::load(path);
}

}  // namespace pare
