#include "runtime/nn/linear.h"

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
  check_dtype(values, DType::i8, "Linear::set_int8", "values");
  check_dtype(scale, DType::f32, "Linear::set_int8", "scale");
  PARE_CHECK(values.shape() == weight().shape() && scale.shape() == Shape{weight().size(0)},
             "Linear::set_int8: values ", shape_str(values.shape()), " and scale ", shape_str(scale.shape()),
             " do not fit the weight ", shape_str(weight().shape()));
  const bool had_scale = is_int8();
  set_parameter("weight", std::move(values));
  if (had_scale) {
    set_parameter("weight_scale", std::move(scale));
  } else {
    register_parameter("weight_scale", std::move(scale));
  }
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
