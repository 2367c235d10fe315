// expect_gradients_match: central finite differences against autograd, for any op built from
// pare tensors. The op's output is contracted with a fixed random tensor so every output element
// contributes with a distinct weight.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "runtime/autograd.h"
#include "runtime/ops/elementwise.h"
#include "runtime/ops/reduce.h"
#include "runtime/random.h"
#include "runtime/tensor.h"

namespace pare::testing {

struct GradcheckTolerance {
  double eps = 1e-2;   // finite-difference step (f32 forward: large enough to beat rounding)
  double atol = 2e-3;  // |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 2e-2;
};

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Inputs that are floating and not marked `requires_grad` are left alone (for example masks).
inline void expect_gradients_match(const TensorFn& fn, std::vector<Tensor> inputs, GradcheckTolerance tol = {},
                                   std::uint64_t seed = 1234) {
  Tensor probe;
  {
    NoGradGuard no_grad;
    probe = fn(inputs);
  }
  Generator gen(seed);
  const Tensor weights = Tensor::randn(probe.shape(), gen);
  const std::vector<double> w = weights.to_vector<double>();
  auto objective = [&](const std::vector<Tensor>& in) {
    NoGradGuard no_grad;
    const std::vector<double> out = fn(in).to_vector<double>();
    double total = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i) total += out[i] * w[i];
    return total;
  };

  for (Tensor& t : inputs) {
    if (t.requires_grad()) t.zero_grad();
  }
  sum(mul(fn(inputs), weights)).backward();

  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    ASSERT_TRUE(x.grad().defined()) << "input " << k << " got no gradient";
    const std::vector<double> analytic = x.grad().to_vector<double>();
    float* data = x.data<float>();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const float saved = data[i];
      data[i] = saved + static_cast<float>(tol.eps);
      const double plus = objective(inputs);
      data[i] = saved - static_cast<float>(tol.eps);
      const double minus = objective(inputs);
      data[i] = saved;
      const double numeric = (plus - minus) / (2.0 * tol.eps);
      const double a = analytic[static_cast<std::size_t>(i)];
      EXPECT_LE(std::abs(a - numeric), tol.atol + tol.rtol * std::abs(numeric))
          << "input " << k << " (shape " << shape_str(x.shape()) << ") element " << i << ": analytic " << a
          << " vs numeric " << numeric;
    }
  }
}

// A leaf tensor of normal values that requires grad.
inline Tensor random_param(const Shape& shape, Generator& gen, float std = 1.0f) {
  Tensor t = Tensor::randn(shape, gen, 0.0f, std);
  t.requires_grad_();
  return t;
}

// Max |a - b| / (atol + rtol * |b|) over elements, as a gtest assertion with the worst index.
inline void expect_close(const Tensor& actual, const Tensor& expected, double atol, double rtol,
                         const std::string& what = "") {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const std::vector<double> a = actual.to_vector<double>(), b = expected.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_LE(std::abs(a[i] - b[i]), atol + rtol * std::abs(b[i]))
        << what << " element " << i << ": " << a[i] << " vs expected " << b[i];
  }
}

}  // namespace pare::testing
