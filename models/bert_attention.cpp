#include "models/bert_attention.h"

#include <cmath>
#include <optional>

#include "models/bias_only_dense.h"
#include "runtime/ops/attention.h"  // scaled_dot_product_attention
#include "runtime/ops/elementwise.h"
#include "runtime/ops/quantized.h"  // quantize_rows

namespace pare {

BertSelfAttention::BertSelfAttention(const BertConfig& config, const BertLayerShape& shape, Generator& gen)
    : head_dim_(shape.head_dim), dropout_p_(config.attention_probs_dropout_prob), gen_(&gen) {
  const std::int64_t width = shape.heads * shape.head_dim;
  const auto std = static_cast<float>(config.initializer_range);
  query_ = register_module("query", std::make_shared<Linear>(config.hidden_size, width, gen, true, std));
  key_ = register_module("key", std::make_shared<Linear>(config.hidden_size, width, gen, true, std));
  value_ = register_module("value", std::make_shared<Linear>(config.hidden_size, width, gen, true, std));
}

Tensor BertSelfAttention::forward(const Tensor& x, const Tensor& additive_mask) const {
  const std::int64_t batch = x.size(0), seq = x.size(1), heads = this->heads();
  // Int8 projections read x quantized once (a third of the quantizing passes of an int8 layer).
  std::optional<QuantizedRows> rows;
  if (query_->is_int8() && key_->is_int8() && value_->is_int8()) rows = quantize_rows(x);
  auto split_heads = [&](const Linear& projection) {
    const Tensor y = rows ? projection.forward(*rows) : projection.forward(x);
    return y.reshape({batch, seq, heads, head_dim_}).permute({0, 2, 1, 3});
  };
  const Tensor context = scaled_dot_product_attention(split_heads(*query_), split_heads(*key_), split_heads(*value_),
                                                      additive_mask, is_training() ? dropout_p_ : 0.0, gen_);
  return context.permute({0, 2, 1, 3}).reshape({batch, seq, heads * head_dim_});
}

BertAttention::BertAttention(const BertConfig& config, const BertLayerShape& shape, Generator& gen) {
  if (shape.heads > 0) self_ = register_module("self", std::make_shared<BertSelfAttention>(config, shape, gen));
  auto output = register_module("output", std::make_shared<Module>());
  if (shape.heads > 0) {
    dense_ =
        output->register_module("dense", std::make_shared<Linear>(shape.heads * shape.head_dim, config.hidden_size, gen,
                                                                  true, static_cast<float>(config.initializer_range)));
  } else {
    bias_only_dense_ = output->register_module("dense", std::make_shared<BiasOnlyDense>(config.hidden_size));
  }
  norm_ = output->register_module(
      "LayerNorm", std::make_shared<LayerNorm>(config.hidden_size, config.layer_norm_eps, config.layer_norm_size()));
  dropout_ = output->register_module("dropout", std::make_shared<Dropout>(config.hidden_dropout_prob, gen));
}

Tensor BertAttention::forward(const Tensor& x, const Tensor& additive_mask) const {
  Tensor projected;
  if (self_) {
    projected = dense_->forward(self_->forward(x, additive_mask));
  } else {
    projected = bias_only_dense_->forward({x.size(0), x.size(1)});
  }
  return norm_->forward(dropout_->forward(projected), x);
}

}  // namespace pare
