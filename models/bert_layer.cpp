#include "models/bert_layer.h"

#include "models/bias_only_dense.h"
#include "runtime/ops/activation.h"  // gelu, relu
#include "runtime/ops/elementwise.h"

namespace pare {

Tensor apply_activation(const Tensor& x, BertActivation activation) {
  switch (activation) {
    case BertActivation::gelu:
      return gelu(x, GeluApproximation::none);
    case BertActivation::gelu_tanh:
      return gelu(x, GeluApproximation::tanh);
    case BertActivation::relu:
      return relu(x);
  }
  throw Error("apply_activation: unknown activation");
}

BertLayer::BertLayer(const BertConfig& config, const BertLayerShape& shape, Generator& gen)
    : activation_(config.activation()) {
  const auto std = static_cast<float>(config.initializer_range);
  attention_ = register_module("attention", std::make_shared<BertAttention>(config, shape, gen));
  if (shape.ffn_dim > 0) {
    auto intermediate = register_module("intermediate", std::make_shared<Module>());
    intermediate_ = intermediate->register_module(
        "dense", std::make_shared<Linear>(config.hidden_size, shape.ffn_dim, gen, true, std));
  }
  auto output = register_module("output", std::make_shared<Module>());
  if (shape.ffn_dim > 0) {
    output_dense_ =
        output->register_module("dense", std::make_shared<Linear>(shape.ffn_dim, config.hidden_size, gen, true, std));
  } else {
    bias_only_output_dense_ = output->register_module("dense", std::make_shared<BiasOnlyDense>(config.hidden_size));
  }
  norm_ = output->register_module(
      "LayerNorm", std::make_shared<LayerNorm>(config.hidden_size, config.layer_norm_eps, config.layer_norm_size()));
  dropout_ = output->register_module("dropout", std::make_shared<Dropout>(config.hidden_dropout_prob, gen));
}

Tensor BertLayer::forward(const Tensor& x, const Tensor& additive_mask) const {
  const Tensor attended = attention_->forward(x, additive_mask);
  Tensor ffn;
  if (intermediate_) {
    ffn = output_dense_->forward(apply_activation(intermediate_->forward(attended), activation_));
  } else {
    ffn = bias_only_output_dense_->forward({x.size(0), x.size(1)});
  }
  return norm_->forward(dropout_->forward(ffn), attended);
}

}  // namespace pare
