#include "train/trainer_state.h"

#include "runtime/error.h"
#include "runtime/io/json_file.h"
#include "runtime/io/safetensors.h"

namespace pare {
namespace {

constexpr const char* kStateKey = "pare.trainer_state";
constexpr const char* kOptimizerPrefix = "optimizer.";

template <typename T>
T field(const nlohmann::json& j, const char* name, const std::filesystem::path& path) {
  PARE_CHECK(j.contains(name), "trainer state '", path.string(), "': field '", name, "' is missing");
  try {
    return j.at(name).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(detail::concat("trainer state '", path.string(), "': field '", name,
                               "' has the wrong type: ", j.at(name).dump()));
  }
}

}  // namespace

void save_trainer_state(const std::filesystem::path& path, const TrainerState& state) {
  nlohmann::json j;
  j["step"] = state.step;
  j["epoch"] = state.epoch;
  j["batches_in_epoch"] = state.batches_in_epoch;
  j["data_seed"] = state.data_seed;
  j["has_best"] = state.has_best;
  j["best_metric"] = state.best_metric;
  j["generators"] = nlohmann::json::object();
  for (const auto& [name, g] : state.generators) j["generators"][name] = {{"seed", g.seed}, {"offset", g.offset}};
  j["extra"] = state.extra;
  NamedTensors tensors;
  for (const auto& [name, t] : state.optimizer) tensors.emplace_back(kOptimizerPrefix + name, t);
  save_safetensors(path, tensors, {{kStateKey, j.dump()}});
}

TrainerState load_trainer_state(const std::filesystem::path& path) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  const auto found = file.metadata().find(kStateKey);
  PARE_CHECK(found != file.metadata().end(), "trainer state '", path.string(), "': metadata key '", kStateKey,
             "' is missing (not a pare trainer state file?)");
  const nlohmann::json j = parse_json(found->second, "trainer state '" + path.string() + "': metadata");
  TrainerState state;
  state.step = field<std::int64_t>(j, "step", path);
  state.epoch = field<std::int64_t>(j, "epoch", path);
  state.batches_in_epoch = field<std::int64_t>(j, "batches_in_epoch", path);
  state.data_seed = field<std::uint64_t>(j, "data_seed", path);
  state.has_best = field<bool>(j, "has_best", path);
  state.best_metric = field<double>(j, "best_metric", path);
  const auto generators = field<nlohmann::json>(j, "generators", path);
  for (const auto& [name, g] : generators.items()) {
    state.generators[name] = {field<std::uint64_t>(g, "seed", path), field<std::uint64_t>(g, "offset", path)};
  }
  state.extra = field<nlohmann::json>(j, "extra", path);
  const std::string prefix = kOptimizerPrefix;
  for (const std::string& name : file.names()) {
    PARE_CHECK(name.rfind(prefix, 0) == 0, "trainer state '", path.string(), "': unexpected tensor '", name, "'");
    state.optimizer[name.substr(prefix.size())] = file.load(name);
  }
  return state;
}

}  // namespace pare
