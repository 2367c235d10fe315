// concat, index_select and embedding lookup.
#pragma once

#include <vector>

#include "runtime/tensor.h"

namespace pare {

// Joins tensors along `axis`; all other axes must match.
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis);
// Rows `indices` (i32 or i64, any shape) of `x` along `axis`; the gradient is scattered back (added
// for repeated indices). Out-of-range indices throw naming the index and the axis size.
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& indices);
// weight [V, D], ids [...] -> [..., D]. Positions holding padding_idx take their row but pass no
// gradient to it (torch.nn.functional.embedding's padding_idx); -1 means none.
Tensor embedding(const Tensor& weight, const Tensor& ids, std::int64_t padding_idx = -1);

}  // namespace pare
