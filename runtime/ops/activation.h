// gelu (erf and tanh forms), relu, tanh, sigmoid.
#pragma once

#include "runtime/tensor.h"

namespace pare {

enum class GeluApproximation { none, tanh };  // none: exact erf form (HF "gelu"); tanh: "gelu_new"

Tensor gelu(const Tensor& x, GeluApproximation approximation = GeluApproximation::none);
Tensor relu(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
// |x| (gradient sign(x), 0 at 0) and sqrt(x).
Tensor abs(const Tensor& x);
Tensor sqrt(const Tensor& x);

}  // namespace pare
