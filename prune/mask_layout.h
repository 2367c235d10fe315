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

  // f32 [p.shape] on the entries' device: each element gets the entry that covers it; where two axes
  // share the mask dimension, the product of the two entries it meets.
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
  // The parameter seen as [rows, cols] (kernels/pruning_mask.h): element (r, c) belongs to entry
  // row_index_[r] + col_index_[c], or for a shared layout to entries row_index_[r] and col_index_[c]
  // (-1: none).
  std::vector<std::int64_t> row_index_, col_index_;
  // The two index arrays on the device of the last expand/reduce (kernels read them there), copied
  // once per device rather than once per call.
  struct DeviceIndex {
    Tensor rows, cols;
  };
  const DeviceIndex& index_on(Device device) const;
  mutable DeviceIndex device_index_;
};

}  // namespace pare
