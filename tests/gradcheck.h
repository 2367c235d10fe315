// expect_gradients_match (gtest wrapper of runtime/gradcheck.h), random_param, expect_close.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "runtime/gradcheck.h"
#include "runtime/random.h"
#include "runtime/tensor.h"

namespace pare::testing {

using ::pare::GradcheckTolerance;

// Inputs that are floating and not marked `requires_grad` are left alone (for example masks).
inline void expect_gradients_match(const TensorFunction& fn, std::vector<Tensor> inputs,
                                   const GradcheckTolerance& tol = {}, std::uint64_t seed = 1234) {
  const GradcheckResult result = check_gradients(fn, std::move(inputs), tol, seed);
  EXPECT_TRUE(result.ok()) << result.summary();
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
