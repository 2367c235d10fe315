#include "train/trainer_state.h"

#include "runtime/error.h"
#include "runtime/io/json_file.h"    // parse_json
#include "runtime/io/json_reader.h"  // JsonReader
#include "runtime/io/safetensors.h"

namespace pare {
namespace {

constexpr const char* kStateKey = "pare.trainer_state";
constexpr const char* kOptimizerPrefix = "optimizer.";

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
  const std::string source = "trainer state '" + path.string() + "': metadata";
  const nlohmann::json j = parse_json(found->second, source);
  // pare's own record: a key it does not know was not written by this pare.
  const JsonReader r(j, source, "", UnknownKeys::refuse);
  TrainerState state;
  state.step = r.required<std::int64_t>("step", {.min = 0});
  state.epoch = r.required<std::int64_t>("epoch", {.min = 0});
  state.batches_in_epoch = r.required<std::int64_t>("batches_in_epoch", {.min = 0});
  state.data_seed = r.required<std::uint64_t>("data_seed", kBitPattern);
  state.has_best = r.required<bool>("has_best");
  state.best_metric = r.required<double>("best_metric");
  const JsonReader generators = r.member("generators", UnknownKeys::allow);
  for (const std::string& name : generators.finish()) {  // every key is a generator's name
    const JsonReader g = generators.member(name, UnknownKeys::refuse);
    // Both are state words of a counter-based generator, not quantities: every uint64 is valid.
    state.generators[name] = {g.required<std::uint64_t>("seed", kBitPattern),
                              g.required<std::uint64_t>("offset", kBitPattern)};
    g.finish();
  }
  // The hooks' own state: each hook reads its keys.
  state.extra = r.member("extra", UnknownKeys::allow).object();
  r.finish();
  const std::string prefix = kOptimizerPrefix;
  for (const std::string& name : file.names()) {
    PARE_CHECK(name.rfind(prefix, 0) == 0, "trainer state '", path.string(), "': unexpected tensor '", name, "'");
    state.optimizer[name.substr(prefix.size())] = file.load(name);
  }
  return state;
}

}  // namespace pare
