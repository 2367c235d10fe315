// Small BERTs with every parameter random (biases and LayerNorms too, so that folded biases and
// constants matter) and padded inputs: what the surgery tests compare masked and compacted models on.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "models/bert_heads.h"  // make_bert_model
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/random.h"

namespace pare::testing {

// Vocabulary 40, hidden 16, 4 heads of 4, FFN 12, 16 positions, 3 labels.
inline BertConfig small_random_config(std::int64_t layers) {
  BertConfig c;
  c.vocab_size = 40;
  c.hidden_size = 16;
  c.num_hidden_layers = layers;
  c.num_attention_heads = 4;
  c.intermediate_size = 12;
  c.max_position_embeddings = 16;
  c.set_num_labels(3);
  c.reset_layer_shapes();
  return c;
}

// Built from `seed`, then every parameter redrawn from N(0, 0.5^2) with `weight_seed`; eval mode.
inline std::shared_ptr<BertTaskModel> random_bert_model(const BertConfig& config, BertTask task, std::uint64_t seed,
                                                        std::uint64_t weight_seed) {
  BertConfig c = config;
  if (task == BertTask::question_answering) c.set_num_labels(2);  // start and end, as HF's head has it
  auto model = make_bert_model(c, task, seed);
  Generator gen(weight_seed);
  const NoGradGuard no_grad;
  for (const auto& [name, p] : model->named_parameters()) p.detach().copy_(Tensor::randn(p.shape(), gen, 0.0f, 0.5f));
  model->eval();
  return model;
}

// Three sequences of 6 random ids (1..39) with 0, 2 and 4 padding positions, token types 0 then 1.
inline BertInputs padded_random_inputs(std::uint32_t seed) {
  std::vector<std::int64_t> ids, attention, types;
  std::mt19937 rng(seed);
  const std::int64_t batch = 3, seq = 6;
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t t = 0; t < seq; ++t) {
      ids.push_back(1 + static_cast<std::int64_t>(rng() % 39));
      attention.push_back(t < seq - 2 * b ? 1 : 0);
      types.push_back(t >= 3 ? 1 : 0);
    }
  }
  return {Tensor::from_vector(ids, {batch, seq}), Tensor::from_vector(attention, {batch, seq}),
          Tensor::from_vector(types, {batch, seq})};
}

}  // namespace pare::testing
