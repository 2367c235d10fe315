#include "runtime/nn/layer_norm.h"

#include "runtime/ops/layer_norm.h"  // layer_norm, layer_norm_of_sum

namespace pare {

LayerNorm::LayerNorm(std::int64_t dim, double eps, std::optional<std::int64_t> normalized_size)
    : eps_(eps), normalized_size_(normalized_size) {
  PARE_CHECK(dim > 0, "LayerNorm: dim must be positive, got ", dim);
  PARE_CHECK(eps > 0.0, "LayerNorm: eps must be positive, got ", eps);
  PARE_CHECK(normalized_size.value_or(dim) >= dim, "LayerNorm: normalized_size ", normalized_size.value_or(dim),
             " must be at least dim ", dim);
  register_parameter("weight", Tensor::ones({dim}));
  register_parameter("bias", Tensor::zeros({dim}));
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return layer_norm(x, forward_parameter("weight"), forward_parameter("bias"), eps_, normalized_size_);
}

Tensor LayerNorm::forward(const Tensor& x, const Tensor& residual) const {
  return layer_norm_of_sum(x, residual, forward_parameter("weight"), forward_parameter("bias"), eps_, normalized_size_);
}

}  // namespace pare
