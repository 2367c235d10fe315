// BiasOnlyDense: a dense layer whose input width was pruned to zero (a layer without heads, or an
// FFN without units). Nothing multiplies its weight any more, so its output is its bias.
#pragma once

#include <cstdint>

#include "runtime/nn/module.h"

namespace pare {

class BiasOnlyDense : public Module {
 public:
  explicit BiasOnlyDense(std::int64_t out_features);
  explicit BiasOnlyDense(Tensor bias);

  // The bias broadcast to [batch_shape..., out_features], with its gradient summed back.
  Tensor forward(const Shape& batch_shape) const;

  const Tensor& bias() const { return parameter("bias"); }
};

}  // namespace pare
