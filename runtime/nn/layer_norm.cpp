#include "runtime/nn/layer_norm.h"

#include "runtime/ops/layer_norm.h"  // layer_norm

namespace pare {

LayerNorm::LayerNorm(std::int64_t dim, double eps) : eps_(eps) {
  PARE_CHECK(dim > 0, "LayerNorm: dim must be positive, got ", dim);
  PARE_CHECK(eps > 0.0, "LayerNorm: eps must be positive, got ", eps);
  register_parameter("weight", Tensor::ones({dim}));
  register_parameter("bias", Tensor::zeros({dim}));
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return layer_norm(x, forward_parameter("weight"), forward_parameter("bias"), eps_);
}

}  // namespace pare
