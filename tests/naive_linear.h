// A naive linear layer in double, x [..., in] @ W^T + b: the reference of the linear op and module
// tests.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/tensor.h"

namespace pare::testing {

// bias may be undefined; the result has x's shape with the last axis out_features.
inline Tensor naive_linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const std::int64_t in = weight.size(1), out = weight.size(0), rows = x.numel() / in;
  const std::vector<double> vx = x.to_vector<double>(), vw = weight.to_vector<double>();
  const std::vector<double> vb =
      bias.defined() ? bias.to_vector<double>() : std::vector<double>(static_cast<std::size_t>(out), 0.0);
  std::vector<float> y(static_cast<std::size_t>(rows * out));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t o = 0; o < out; ++o) {
      double acc = vb[static_cast<std::size_t>(o)];
      for (std::int64_t i = 0; i < in; ++i) {
        acc += vx[static_cast<std::size_t>(r * in + i)] * vw[static_cast<std::size_t>(o * in + i)];
      }
      y[static_cast<std::size_t>(r * out + o)] = static_cast<float>(acc);
    }
  }
  Shape shape = x.shape();
  shape.back() = out;
  return Tensor::from_vector(y, shape);
}

}  // namespace pare::testing
