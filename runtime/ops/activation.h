// gelu (erf and tanh forms), relu, tanh, sigmoid.
#pragma once

#include "runtime/tensor.h"

namespace pare {

enum class GeluApproximation { none, tanh };  // none: exact erf form (HF "gelu"); tanh: "gelu_new"

Tensor gelu(const Tensor& x, GeluApproximation approximation = GeluApproximation::none);
Tensor relu(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);

}  // namespace pare
