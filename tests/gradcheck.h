// expect_gradients_match (gtest wrapper of runtime/gradcheck.h), random_param, expect_close.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "runtime/gradcheck.h"
#include "runtime/random.h"
#include "runtime/tensor.h"
#include "tests/devices.h"  // non_cpu_test_devices, leaf_on

namespace pare::testing {

using ::pare::GradcheckTolerance;

// Inputs that are floating and not marked `requires_grad` are left alone (for example masks). The
// check runs on the CPU and again on every other device present, with the inputs moved there: `fn`
// makes any further tensor it needs on its inputs' device.
inline void expect_gradients_match(const TensorFunction& fn, const std::vector<Tensor>& inputs,
                                   const GradcheckTolerance& tol = {}, std::uint64_t seed = 1234) {
  const GradcheckResult result = check_gradients(fn, inputs, tol, seed);
  EXPECT_TRUE(result.ok()) << result.summary();
  for (Device device : non_cpu_test_devices()) {
    std::vector<Tensor> moved;
    for (const Tensor& t : inputs) moved.push_back(leaf_on(t, device));
    const GradcheckResult on_device = check_gradients(fn, moved, tol, seed);
    EXPECT_TRUE(on_device.ok()) << "on " << device.str() << ": " << on_device.summary();
    EXPECT_EQ(on_device.checked_elements, result.checked_elements) << "on " << device.str();
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
