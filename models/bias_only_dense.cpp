#include "models/bias_only_dense.h"

#include "runtime/ops/elementwise.h"  // add

namespace pare {

BiasOnlyDense::BiasOnlyDense(std::int64_t out_features) : BiasOnlyDense(Tensor::zeros({out_features})) {}

BiasOnlyDense::BiasOnlyDense(Tensor bias) {
  check_defined(bias, "BiasOnlyDense", "bias");
  PARE_CHECK(bias.dim() == 1 && bias.size(0) > 0, "BiasOnlyDense: bias must be [out_features], got ",
             shape_str(bias.shape()));
  register_parameter("bias", std::move(bias));
}

Tensor BiasOnlyDense::forward(const Shape& batch_shape) const {
  Shape shape = batch_shape;
  shape.push_back(bias().size(0));
  return add(Tensor::zeros(shape, DType::f32, bias().device()), forward_parameter("bias"));
}

}  // namespace pare
