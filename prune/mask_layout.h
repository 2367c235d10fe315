// MaskLayout: how the entries of a parameter's mask (its mask_shape, prune/pruning_resolve.h) map
// onto the parameter's elements. It moves values both ways: expand() spreads mask entries over the
// elements they cover (the mask the forward multiplies by), reduce() sums element-wise values into
// entries (importance scores, and the straight-through gradient of movement scores).
#pragma once

#include <cstdint>
#include <vector>

#include "prune/pruning_resolve.h"  // ResolvedParameter
#include "runtime/tensor.h"

namespace pare {

class MaskLayout {
 public:
  // Throws naming p.name when mask_axis/span do not fit p.shape and p.mask_shape, or when a mask
  // dimension is shared by two axes of anything but a 2-D parameter with a 1-D mask (the pooler's
  // hidden x hidden weight under hidden granularity, the only such case resolve() makes).
  explicit MaskLayout(const ResolvedParameter& p);

  // f32 [p.shape]: each element gets the entry that covers it; where two axes share the mask
  // dimension, the product of the two entries it meets.
  Tensor expand(const Tensor& entries) const;
  // f32 [p.mask_shape]: entry e is the sum of the elements it covers; an element met by two entries
  // counts towards both (once when they are the same one). Sums are kept in double.
  Tensor reduce(const Tensor& elementwise) const;

  const Shape& shape() const { return shape_; }
  const Shape& mask_shape() const { return mask_shape_; }

 private:
  std::string name_;
  Shape shape_;
  Shape mask_shape_;
  bool shared_ = false;
  // Per axis, per index along it: the mask offset it contributes (non-shared: summed over axes into
  // the entry's flat index), or for a shared layout the entry it meets, -1 where the axis does not
  // index the mask.
  std::vector<std::vector<std::int64_t>> offsets_;
};

}  // namespace pare
