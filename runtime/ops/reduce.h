// sum, mean over axes, and sum_to (the gradient of broadcasting).
#pragma once

#include <vector>

#include "runtime/tensor.h"

namespace pare {

// Sums over `axes` (all axes when empty); keepdim leaves them as size 1.
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
// The index of the largest entry along the last axis (the first of equal ones), as i64 [...]; not
// differentiable.
Tensor argmax(const Tensor& x);
// Sums `x` down to `shape`, which `x` must broadcast from.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace pare
