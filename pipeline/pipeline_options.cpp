#include "pipeline/pipeline_options.h"

#include "runtime/error.h"
#include "runtime/version.h"

namespace pare {
namespace {

using nlohmann::json;

json data_json(const TaskDataSource& d) {
  json j = {{"task", d.task}, {"glue_dir", d.glue_dir.string()}, {"brown_dir", d.brown_dir.string()}};
  if (d.user.given()) {
    j["user"] = {{"train", d.user.train.string()},
                 {"dev", d.user.dev.string()},
                 {"test", d.user.test.string()},
                 {"text_column", d.user.text_column},
                 {"text_pair_column", d.user.text_pair_column},
                 {"label_column", d.user.label_column},
                 {"regression", d.user.regression}};
  }
  return j;
}

TaskDataSource data_from_json(const json& j) {
  TaskDataSource d;
  d.task = j.at("task").get<std::string>();
  d.glue_dir = j.at("glue_dir").get<std::string>();
  d.brown_dir = j.at("brown_dir").get<std::string>();
  if (j.contains("user")) {
    const json& u = j.at("user");
    d.user.train = u.at("train").get<std::string>();
    d.user.dev = u.at("dev").get<std::string>();
    d.user.test = u.at("test").get<std::string>();
    d.user.text_column = u.at("text_column").get<std::string>();
    d.user.text_pair_column = u.at("text_pair_column").get<std::string>();
    d.user.label_column = u.at("label_column").get<std::string>();
    d.user.regression = u.at("regression").get<bool>();
  }
  return d;
}

}  // namespace

json options_json(const PipelineOptions& o) {
  return {{"pare_version", kPareVersion},
          {"recipe", o.recipe.to_json()},
          {"model", o.model_dir.string()},
          {"finetuned", o.finetuned},
          {"data", data_json(o.data)},
          {"seed", o.seed},
          {"precision", precision_name(o.precision)},
          {"device", o.device.str()},
          {"max_train", o.max_train},
          {"max_eval", o.max_eval},
          {"latency_steps", o.latency_steps},
          {"throughput_steps", o.throughput_steps},
          {"sweep_regular_scales", o.sweep_regular_scales}};
}

PipelineOptions options_from_json(const json& j, const std::string& source) {
  try {
    PipelineOptions o;
    o.recipe = Recipe::from_json(j.at("recipe"), source + ": recipe");
    o.model_dir = j.at("model").get<std::string>();
    o.finetuned = j.at("finetuned").get<bool>();
    o.data = data_from_json(j.at("data"));
    o.seed = j.at("seed").get<std::uint64_t>();
    o.precision = parse_precision(j.at("precision").get<std::string>());
    o.device = parse_device(j.at("device").get<std::string>());
    o.max_train = j.at("max_train").get<std::size_t>();
    o.max_eval = j.at("max_eval").get<std::size_t>();
    o.latency_steps = j.at("latency_steps").get<std::int64_t>();
    o.throughput_steps = j.at("throughput_steps").get<std::int64_t>();
    o.sweep_regular_scales = j.at("sweep_regular_scales").get<std::vector<double>>();
    return o;
  } catch (const json::exception& e) {
    throw Error(source + ": not a pare run record (" + e.what() + ")");
  }
}

}  // namespace pare
