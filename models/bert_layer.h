// BertLayer: attention block, then the feed-forward block ("intermediate.dense" with the activation,
// "output.dense", residual and "output.LayerNorm"). With 0 FFN units only output.dense.bias is left.
#pragma once

#include <memory>

#include "models/bert_attention.h"
#include "models/bert_config.h"
#include "models/bias_only_dense.h"  // BiasOnlyDense

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
  // output.dense: a Linear, or without FFN units only its bias; exactly one is set.
  std::shared_ptr<Linear> output_dense_;
  std::shared_ptr<BiasOnlyDense> bias_only_output_dense_;
  std::shared_ptr<LayerNorm> norm_;
  std::shared_ptr<Dropout> dropout_;
};

}  // namespace pare
