// TrainerState: everything besides the model weights that a run needs to continue exactly where it
// stopped: step counters, the data sampler's position, every random generator's state, the best
// evaluation so far, and the optimizer's moments. Stored as trainer_state.safetensors (optimizer
// tensors under "optimizer.", the rest as JSON in the metadata), written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/named_tensors.h"  // StateDict

namespace pare {

struct GeneratorState {
  std::uint64_t seed = 0;
  std::uint64_t offset = 0;
  bool operator==(const GeneratorState&) const = default;
};

struct TrainerState {
  std::int64_t step = 0;              // optimizer steps taken
  std::int64_t epoch = 0;             // passes over the training data started
  std::int64_t batches_in_epoch = 0;  // batches of the current epoch already consumed
  std::uint64_t data_seed = 0;        // the shuffling seed (fixed for a run)
  double best_metric = 0.0;
  bool has_best = false;
  std::map<std::string, GeneratorState> generators;  // e.g. "dropout", "masking"
  nlohmann::json extra = nlohmann::json::object();   // stage-specific state (pruning schedules, ...)
  StateDict optimizer;
};

void save_trainer_state(const std::filesystem::path& path, const TrainerState& state);
// Throws pare::Error naming the file and the field when it is missing or malformed.
TrainerState load_trainer_state(const std::filesystem::path& path);

}  // namespace pare
