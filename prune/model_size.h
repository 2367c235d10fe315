// The size of a (pruned) BERT from its config alone: per-layer shapes, parameters split as NNI's
// result table splits them, and matmul FLOPs per token. What `pare inspect` prints.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/bert.h"  // BertTask, BertConfig

namespace pare {

struct ParameterCounts {
  std::int64_t embeddings = 0;  // word, position, token-type tables and their LayerNorm
  std::int64_t encoder = 0;     // every encoder layer
  std::int64_t pooler = 0;      // pooler.dense, for the models that have one
  std::int64_t head = 0;        // classifier, or the MLM transform and output bias (decoder tied)
  std::int64_t total() const { return embeddings + encoder + pooler + head; }
};

struct ModelSize {
  BertTask task = BertTask::base;
  std::int64_t hidden_size = 0;
  std::int64_t layer_norm_size = 0;  // the width LayerNorms normalise over: hidden_size unless dimensions went
  std::vector<BertLayerShape> layers;
  ParameterCounts parameters;
  std::int64_t seq_len = 0;  // the sequence length the FLOPs assume
  double encoder_flops_per_token = 0;
  double flops_per_token = 0;  // encoder, pooler and head
};

// Sizes of the model `config` describes with `task`'s head, FLOPs at `seq_len` tokens a sequence.
ModelSize measure_model(const BertConfig& config, BertTask task, std::int64_t seq_len = 128);

// {"task", "hidden_size", "layer_norm_size" (only when it differs from hidden_size), "layers":
// [{"heads", "head_dim", "ffn_dim"}], "parameters": {...},
// "seq_len", "flops_per_token": {"encoder", "total"}}; with `original`, also "original" (the same
// object) and "ratios" (this / original for each parameter part and FLOPs).
nlohmann::json model_size_json(const ModelSize& size, const ModelSize* original = nullptr);
// The same as a text table for people.
std::string model_size_text(const ModelSize& size, const ModelSize* original = nullptr);

}  // namespace pare
