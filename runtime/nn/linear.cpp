#include "runtime/nn/linear.h"

#include "runtime/nn/int8_weight.h"
#include "runtime/ops/matmul.h"     // linear
#include "runtime/ops/quantized.h"  // int8_linear

namespace pare {
namespace {

Tensor normal_weight(std::int64_t in_features, std::int64_t out_features, Generator& gen, float init_std) {
  PARE_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in ", in_features, " out ",
             out_features);
  return Tensor::randn({out_features, in_features}, gen, 0.0f, init_std);
}

}  // namespace

Linear::Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen, bool bias, float init_std)
    : Linear(normal_weight(in_features, out_features, gen, init_std), bias ? Tensor::zeros({out_features}) : Tensor()) {
}

Linear::Linear(Tensor weight, Tensor bias) : has_bias_(bias.defined()) {
  check_defined(weight, "Linear", "weight");
  PARE_CHECK(weight.dim() == 2, "Linear: weight must be [out, in], got ", shape_str(weight.shape()));
  PARE_CHECK(!bias.defined() || bias.shape() == Shape{weight.size(0)}, "Linear: bias of shape ",
             shape_str(bias.shape()), " does not match weight ", shape_str(weight.shape()));
  register_parameter("weight", std::move(weight));
  if (has_bias_) register_parameter("bias", std::move(bias));
}

void Linear::set_int8(Tensor values, Tensor scale) {
  set_int8_weight(*this, "Linear", std::move(values), std::move(scale));
}

Tensor Linear::forward(const QuantizedRows& x) const {
  PARE_CHECK(is_int8(), "Linear: quantized rows given to an f32 layer (weight ", dtype_name(weight().dtype()), ")");
  return int8_linear(x, parameter("weight"), parameter("weight_scale"), has_bias_ ? parameter("bias") : Tensor());
}

Tensor Linear::forward(const Tensor& x) const {
  if (is_int8()) {
    return int8_linear(x, parameter("weight"), parameter("weight_scale"), has_bias_ ? parameter("bias") : Tensor());
  }
  return linear(x, forward_parameter("weight"), has_bias_ ? forward_parameter("bias") : Tensor());
}

}  // namespace pare
