// LayerNorm over the last axis with learned scale ("weight") and shift ("bias").
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/nn/module.h"

namespace pare {

class LayerNorm : public Module {
 public:
  // weight ones, bias zeros; BERT uses eps 1e-12. normalized_size (>= dim) normalises each row as
  // if it went on with normalized_size - dim zeros (runtime/ops/layer_norm.h); absent, over dim.
  explicit LayerNorm(std::int64_t dim, double eps = 1e-12, std::optional<std::int64_t> normalized_size = std::nullopt);

  // x [..., dim] -> same shape.
  Tensor forward(const Tensor& x) const;
  // The LayerNorm of x + residual (a residual connection), the sum never stored.
  Tensor forward(const Tensor& x, const Tensor& residual) const;

  const Tensor& weight() const { return parameter("weight"); }
  const Tensor& bias() const { return parameter("bias"); }
  std::int64_t dim() const { return weight().size(0); }
  double eps() const { return eps_; }
  std::int64_t normalized_size() const { return normalized_size_.value_or(dim()); }

 private:
  double eps_;
  std::optional<std::int64_t> normalized_size_;
};

}  // namespace pare
