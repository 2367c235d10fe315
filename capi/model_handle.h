// The object behind pare_model: a loaded model, its tokenizer and the settings fixed at load, plus
// the weights its products derive once (packed, bf16) and every call then shares.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "models/bert.h"
#include "models/tokenizers/tokenizer.h"
#include "pare/pare.h"
#include "runtime/parameter_cache.h"

struct pare_model {
  std::string dir;
  std::shared_ptr<pare::BertTaskModel> model;  // eval mode, on the CPU; never written after load
  std::unique_ptr<pare::Tokenizer> tokenizer;
  std::vector<std::string> labels;  // empty unless the model classifies sequences or tokens
  std::shared_ptr<pare::ParameterCache::Store> derived_weights;
  int num_threads = 1;         // resolved: never 0
  std::size_t max_tokens = 0;  // resolved
  std::size_t max_batch = 0;   // resolved
  pare_pooling pooling = PARE_POOLING_MEAN;
};

namespace pare::capi {

// Loads `dir` with `options` (checked), throwing ApiError naming what is wrong: a missing
// directory, config.json, weight file or tokenizer, a corrupt file, a classifier head the weights
// lack, an option out of range.
std::unique_ptr<pare_model> load_model(const std::string& dir, const pare_model_options& options);

}  // namespace pare::capi
