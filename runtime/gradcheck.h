// check_gradients: autograd against central finite differences for any function of tensors. Used
// by the tests (per op, per shape) and by `pare selftest` on an installed build.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace pare {

struct GradcheckTolerance {
  double eps = 1e-2;   // finite-difference step: f32 forwards need a step well above rounding noise
  double atol = 2e-3;  // an element passes when |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 2e-2;
};

struct GradcheckMismatch {
  std::size_t input = 0;
  std::int64_t element = 0;
  double analytic = 0.0;
  double numeric = 0.0;
};

struct GradcheckResult {
  std::vector<GradcheckMismatch> mismatches;  // every element out of tolerance
  std::int64_t checked_elements = 0;
  bool ok() const { return mismatches.empty() && checked_elements > 0; }
  std::string summary() const;
};

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// Contracts fn(inputs) with fixed random weights (seeded) into a scalar, backpropagates, and compares
// the gradient of every input marked requires_grad with central differences, element by element.
// Inputs must be contiguous f32 CPU leaves; they are perturbed in place and restored.
GradcheckResult check_gradients(const TensorFunction& fn, std::vector<Tensor> inputs,
                                const GradcheckTolerance& tol = {}, std::uint64_t seed = 1234);

}  // namespace pare
