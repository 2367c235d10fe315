// add, sub, mul, div (NumPy broadcasting), scale, add_scalar and their operators.
#pragma once

#include "runtime/tensor.h"

namespace pare {

// The broadcast of two shapes, aligned at the last axis; throws naming both shapes and `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
// Also the weight-mask multiply of pruning: mul(weight, mask) passes mask * grad to the weight and
// weight * grad to a mask (or score) that requires a gradient.
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
// alpha * x.
Tensor scale(const Tensor& x, double alpha);
// x + beta.
Tensor add_scalar(const Tensor& x, double beta);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator*(const Tensor& a, double s) { return scale(a, s); }
inline Tensor operator-(const Tensor& a) { return scale(a, -1.0); }

}  // namespace pare
