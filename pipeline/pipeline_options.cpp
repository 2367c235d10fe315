#include "pipeline/pipeline_options.h"

#include "runtime/error.h"
#include "runtime/io/json_reader.h"  // JsonReader
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

TaskDataSource data_from_json(const JsonReader& r) {
  TaskDataSource d;
  d.task = r.required<std::string>("task");
  d.glue_dir = r.required<std::string>("glue_dir");
  d.brown_dir = r.required<std::string>("brown_dir");
  if (r.has("user")) {
    const JsonReader u = r.member("user", UnknownKeys::refuse);
    d.user.train = u.required<std::string>("train");
    d.user.dev = u.required<std::string>("dev");
    d.user.test = u.required<std::string>("test");
    d.user.text_column = u.required<std::string>("text_column");
    d.user.text_pair_column = u.required<std::string>("text_pair_column");
    d.user.label_column = u.required<std::string>("label_column");
    d.user.regression = u.required<bool>("regression");
    u.finish();
  }
  r.finish();
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
  // A run record is pare's own file: a key it does not know is not from this pare.
  const JsonReader r(j, source + ": not a pare run record", "", UnknownKeys::refuse);
  PipelineOptions o;
  r.skip("pare_version");  // a resuming run lists it among the differences (json_differences)
  // The file alone, without the note: the recipe's pruning configs name it in later errors too.
  o.recipe = Recipe::from_json(r.at("recipe"), source, ".", r.where("recipe"));
  o.model_dir = r.required<std::string>("model");
  o.finetuned = r.required<bool>("finetuned");
  o.data = data_from_json(r.member("data", UnknownKeys::refuse));
  o.seed = r.required<std::uint64_t>("seed", kBitPattern);
  o.precision = parse_precision(r.required<std::string>("precision"));
  o.device = parse_device(r.required<std::string>("device"));
  o.max_train = r.required<std::size_t>("max_train");
  o.max_eval = r.required<std::size_t>("max_eval");
  o.latency_steps = r.required<std::int64_t>("latency_steps", {.min = 0});
  o.throughput_steps = r.required<std::int64_t>("throughput_steps", {.min = 0});
  r.at("sweep_regular_scales");  // required, though often empty
  o.sweep_regular_scales = r.list<double>("sweep_regular_scales");
  r.finish();
  return o;
}

}  // namespace pare
