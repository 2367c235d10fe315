#include "pipeline/recipe.h"

#include <set>

#include "runtime/error.h"
#include "runtime/io/json_file.h"    // read_json_file
#include "runtime/io/json_path.h"    // json_element_path
#include "runtime/io/json_reader.h"  // JsonReader

namespace pare {
namespace {

using nlohmann::json;

// A number above 0 (a learning rate, a temperature).
double positive(const JsonReader& r, const char* key, double fallback) {
  const double v = r.get<double>(key, fallback, {.min = 0.0});
  r.check(v > 0.0, key, "must be above 0");
  return v;
}

// The training fields of the object `r` reads (which may hold other fields too).
TrainingBlock read_training(const JsonReader& r, std::size_t batch, bool steps_may_be_zero = false) {
  TrainingBlock t;
  t.steps = r.required<std::int64_t>("steps", {.min = steps_may_be_zero ? 0 : 1});
  t.lr = positive(r, "lr", t.lr);
  t.warmup_ratio = r.get<double>("warmup_ratio", t.warmup_ratio, {.min = 0.0});
  r.check(t.warmup_ratio < 1.0, "warmup_ratio", "must be below 1");
  t.batch = r.get<std::size_t>("batch", batch, {.min = 1});
  return t;
}

// A training block on its own: an object of training fields only.
TrainingBlock read_training_block(const JsonReader& parent, const char* key, std::size_t batch,
                                  bool steps_may_be_zero = false) {
  const JsonReader r = parent.member(key, UnknownKeys::refuse);
  TrainingBlock t = read_training(r, batch, steps_may_be_zero);
  r.finish();
  return t;
}

json training_json(const TrainingBlock& t) {
  return {{"steps", t.steps}, {"lr", t.lr}, {"warmup_ratio", t.warmup_ratio}, {"batch", t.batch}};
}

DistillBlock read_distill(const JsonReader& stage) {
  DistillBlock d;
  if (stage.at("distill").is_boolean()) {
    d.enabled = stage.at("distill").get<bool>();
    return d;
  }
  const JsonReader r = stage.member("distill", UnknownKeys::refuse);
  d.task_weight = r.get<double>("task_weight", d.task_weight, {.min = 0.0});
  d.options.logit_weight = r.get<double>("logit_weight", d.options.logit_weight, {.min = 0.0});
  d.options.hidden_weight = r.get<double>("hidden_weight", d.options.hidden_weight, {.min = 0.0});
  d.options.temperature = positive(r, "temperature", d.options.temperature);
  d.options.layer_map.kind = parse_layer_map(r.get<std::string>("layer_map", "cofi"));
  d.options.layer_map.teacher_layers = r.list<std::int64_t>("teacher_layers", {.min = 1});
  d.options.learned_projection = r.get<bool>("learned_projection", false);
  r.finish();
  try {
    d.options.validate();
  } catch (const Error& e) {
    throw Error(r.source() + ": " + r.path() + ": " + e.what());
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

Recipe Recipe::from_json(const json& j, const std::string& source, const std::filesystem::path& base_dir,
                         const std::string& path) {
  // A recipe is pare's own format: a misspelt key would be a setting silently not applied.
  const JsonReader r(j, source, path, UnknownKeys::refuse);
  Recipe recipe;
  recipe.source = source;
  recipe.name = r.required<std::string>("name");
  recipe.description = r.get<std::string>("description", "");
  recipe.seq = r.get<std::size_t>("seq", 128, {.min = 8});
  recipe.batch = r.get<std::size_t>("batch", 32, {.min = 1});
  recipe.eval_batch = r.get<std::size_t>("eval_batch", 64, {.min = 1});
  recipe.save_every = r.get<std::int64_t>("save_every", recipe.save_every, {.min = 0});

  if (r.has("pretrain")) {
    const JsonReader pr = r.member("pretrain", UnknownKeys::refuse);
    recipe.pretrain.train = read_training(pr, recipe.batch);
    recipe.pretrain.size = pr.get<std::string>("size", recipe.pretrain.size);
    recipe.pretrain.vocab_size = pr.get<std::int64_t>("vocab_size", recipe.pretrain.vocab_size, {.min = 16});
    recipe.pretrain.seq = pr.get<std::size_t>("seq", 128, {.min = 8});
    pr.finish();
  } else {
    recipe.pretrain.train = {600, 1e-3, 0.06, recipe.batch};
  }
  PARE_CHECK(r.has("teacher"), source, ": field \"", r.where("teacher"),
             "\" is required (the fine-tuning of the teacher)");
  recipe.teacher = read_training_block(r, "teacher", recipe.batch);
  if (r.has("attention_removed")) {
    recipe.attention_removed = read_training_block(r, "attention_removed", recipe.batch, true);
  }

  PARE_CHECK(r.has("stages") && r.at("stages").is_array() && !r.at("stages").empty(), source, ": field \"",
             r.where("stages"), "\" must be a non-empty list of pruning stages");
  std::set<std::string> names;
  for (std::size_t i = 0; i < r.at("stages").size(); ++i) {
    const JsonReader sr(r.at("stages")[i], source, json_element_path(r.where("stages"), i), UnknownKeys::refuse);
    PruneStage stage;
    stage.train = read_training(sr, recipe.batch);
    stage.name = sr.required<std::string>("name");
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
      stage.pruning = PruningConfig::from_json(pruning, source, sr.where("pruning"));
    }
    stage.score_lr = positive(sr, "score_lr", stage.score_lr);
    if (sr.has("distill")) stage.distill = read_distill(sr);
    sr.finish();
    recipe.stages.push_back(std::move(stage));
  }
  recipe.int8 = r.get<bool>("int8", recipe.int8);
  recipe.onnx = r.get<bool>("onnx", recipe.onnx);
  r.finish();
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
  json out = {{"name", name},
              {"description", description},
              {"seq", seq},
              {"batch", batch},
              {"eval_batch", eval_batch},
              {"save_every", save_every},
              {"pretrain", pretrain_json},
              {"teacher", training_json(teacher)},
              {"attention_removed", training_json(attention_removed)},
              {"stages", stages_json}};
  // Written only when off: a run recorded before the int8 stage or the onnx step existed then
  // resumes under this pare, and gains them at its end.
  if (!int8) out["int8"] = false;
  if (!onnx) out["onnx"] = false;
  return out;
}

std::filesystem::path shipped_recipe_dir() { return PARE_RECIPE_DIR; }

Recipe shipped_recipe(const std::string& name) {
  const std::filesystem::path path = shipped_recipe_dir() / (name + ".json");
  PARE_CHECK(std::filesystem::exists(path), "no shipped recipe '", name, "': ", path.string(), " does not exist");
  return Recipe::load(path);
}

}  // namespace pare
