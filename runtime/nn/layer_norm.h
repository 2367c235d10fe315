// LayerNorm over the last axis with learned scale ("weight") and shift ("bias").
#pragma once

#include <cstdint>

#include "runtime/nn/module.h"

namespace pare {

class LayerNorm : public Module {
 public:
  // weight ones, bias zeros; BERT uses eps 1e-12.
  explicit LayerNorm(std::int64_t dim, double eps = 1e-12);

  // x [..., dim] -> same shape.
  Tensor forward(const Tensor& x) const;

  const Tensor& weight() const { return parameter("weight"); }
  const Tensor& bias() const { return parameter("bias"); }
  std::int64_t dim() const { return weight().size(0); }
  double eps() const { return eps_; }

 private:
  double eps_;
};

}  // namespace pare
