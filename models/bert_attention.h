// BertAttention: multi-head self-attention ("attention.self.{query,key,value}") and its output
// projection with residual and LayerNorm ("attention.output.{dense,LayerNorm}"). Each layer has its
// own head count and head size; with 0 heads only the output projection's bias is left.
#pragma once

#include <memory>

#include "models/bert_config.h"
#include "models/bias_only_dense.h"  // BiasOnlyDense
#include "runtime/nn/dropout.h"
#include "runtime/nn/layer_norm.h"
#include "runtime/nn/linear.h"
#include "runtime/random.h"

namespace pare {

class BertSelfAttention : public Module {
 public:
  BertSelfAttention(const BertConfig& config, const BertLayerShape& shape, Generator& gen);

  // x [B, T, hidden], additive_mask [B, 1, 1, T] -> context [B, T, heads * head_dim].
  Tensor forward(const Tensor& x, const Tensor& additive_mask) const;

  // Read from the weights, so they follow surgery that swaps in smaller tensors.
  std::int64_t heads() const { return query_->out_features() / head_dim_; }
  std::int64_t head_dim() const { return head_dim_; }

 private:
  std::int64_t head_dim_;
  double dropout_p_;
  Generator* gen_;
  std::shared_ptr<Linear> query_, key_, value_;
};

class BertAttention : public Module {
 public:
  BertAttention(const BertConfig& config, const BertLayerShape& shape, Generator& gen);

  // LayerNorm(dropout(dense(self_attention(x))) + x).
  Tensor forward(const Tensor& x, const Tensor& additive_mask) const;

 private:
  std::shared_ptr<BertSelfAttention> self_;  // null when the layer has no heads
  // output.dense: a Linear, or without heads only its bias; exactly one is set.
  std::shared_ptr<Linear> dense_;
  std::shared_ptr<BiasOnlyDense> bias_only_dense_;
  std::shared_ptr<LayerNorm> norm_;
  std::shared_ptr<Dropout> dropout_;
};

}  // namespace pare
