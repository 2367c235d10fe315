// BertLayer: attention block, then the feed-forward block ("intermediate.dense" with the activation,
// "output.dense", residual and "output.LayerNorm"). With 0 FFN units only output.dense.bias is left.
#pragma once

#include <memory>

#include "models/bert_attention.h"
#include "models/bert_config.h"

namespace pare {

// The activation named by hidden_act.
Tensor apply_activation(const Tensor& x, BertActivation activation);

class BertLayer : public Module {
 public:
  BertLayer(const BertConfig& config, const BertLayerShape& shape, Generator& gen);

  // x [B, T, hidden] -> [B, T, hidden].
  Tensor forward(const Tensor& x, const Tensor& additive_mask) const;

 private:
  BertActivation activation_;
  std::shared_ptr<BertAttention> attention_;
  std::shared_ptr<Linear> intermediate_;  // null without FFN units
  std::shared_ptr<Module> output_dense_;  // Linear, or BiasOnlyDense without FFN units
  std::shared_ptr<LayerNorm> norm_;
  std::shared_ptr<Dropout> dropout_;
};

}  // namespace pare
