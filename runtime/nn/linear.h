// Linear: y = x W^T + b with Hugging Face's weight layout [out, in].
#pragma once

#include <cstdint>

#include "runtime/nn/module.h"
#include "runtime/random.h"

namespace pare {

struct QuantizedRows;  // runtime/ops/quantized.h

class Linear : public Module {
 public:
  // BERT's initialisation: weight ~ Normal(0, init_std), bias zero.
  Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen, bool bias = true, float init_std = 0.02f);
  // Takes the given tensors as parameters: weight [out, in], bias [out] or undefined.
  explicit Linear(Tensor weight, Tensor bias = Tensor());

  // x [..., in] -> [..., out].
  Tensor forward(const Tensor& x) const;

  // The int8 form (runtime/ops/quantized.h int8_linear): the weight becomes `values` (i8 [out, in])
  // with "weight_scale" `scale` (f32 [out], one per output channel); the bias stays f32. For
  // inference only: the int8 weight is a parameter no optimizer can train.
  void set_int8(Tensor values, Tensor scale);
  bool is_int8() const { return weight().dtype() == DType::i8; }
  // An int8 layer's output from rows quantize_rows made of its input: several int8 layers that read
  // one input quantize it once.
  Tensor forward(const QuantizedRows& x) const;

  const Tensor& weight() const { return parameter("weight"); }
  // Undefined when the layer has no bias.
  Tensor bias() const { return has_bias_ ? parameter("bias") : Tensor(); }
  // Read from the weight, so they follow surgery that replaces it with a smaller one.
  std::int64_t in_features() const { return weight().size(1); }
  std::int64_t out_features() const { return weight().size(0); }

 private:
  bool has_bias_;
};

}  // namespace pare
