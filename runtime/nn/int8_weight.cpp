#include "runtime/nn/int8_weight.h"

#include <algorithm>
#include <string>

namespace pare {

void set_int8_weight(Module& module, const char* who, Tensor values, Tensor scale) {
  const Tensor& weight = module.parameter("weight");
  const std::string op = std::string(who) + "::set_int8";
  check_dtype(values, DType::i8, op.c_str(), "values");
  check_dtype(scale, DType::f32, op.c_str(), "scale");
  PARE_CHECK(weight.dim() == 2 && values.shape() == weight.shape() && scale.shape() == Shape{weight.size(0)}, op,
             ": values ", shape_str(values.shape()), " and scale ", shape_str(scale.shape()), " do not fit the weight ",
             shape_str(weight.shape()));
  const NamedTensors own = module.named_parameters();
  const bool has_scale =
      std::any_of(own.begin(), own.end(), [](const auto& entry) { return entry.first == "weight_scale"; });
  module.set_parameter("weight", std::move(values));
  if (has_scale) {
    module.set_parameter("weight_scale", std::move(scale));
  } else {
    module.register_parameter("weight_scale", std::move(scale));
  }
}

}  // namespace pare
