// The devices the tests run on besides the CPU, which is every test's oracle: the host-guarded device
// always, and each CUDA device this machine has.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/device.h"
#include "runtime/tensor.h"

namespace pare::testing {

inline std::vector<Device> non_cpu_test_devices() {
  std::vector<Device> devices{Device::guarded()};
  for (int i = 0; i < cuda_device_count(); ++i) devices.push_back(Device::cuda(i));
  return devices;
}

// The CPU first, then the others: for tests whose oracle is a fixture, not the CPU.
inline std::vector<Device> all_test_devices() {
  std::vector<Device> devices{Device::cpu()};
  for (Device d : non_cpu_test_devices()) devices.push_back(d);
  return devices;
}

// For INSTANTIATE_TEST_SUITE_P: "guarded", "cuda0".
inline std::string device_test_name(const ::testing::TestParamInfo<Device>& info) {
  std::string name = info.param.str();
  name.erase(std::remove(name.begin(), name.end(), ':'), name.end());
  return name;
}

// `t` copied onto `device` as a fresh leaf, requiring grad when `t` does.
inline Tensor leaf_on(const Tensor& t, Device device) {
  Tensor moved = t.detach().to(device);
  if (moved.device() == t.device()) moved = moved.clone();
  if (t.requires_grad()) moved.requires_grad_();
  return moved;
}

// The host-guarded device runs the CPU kernels on the same inputs, so its results must equal the
// CPU's bit for bit; a CUDA device computes in another order, so it gets a tolerance.
inline void expect_matches_cpu(const Tensor& on_device, const Tensor& on_cpu, Device device, const std::string& what) {
  ASSERT_EQ(on_device.device(), device) << what << " left its device";
  ASSERT_EQ(on_device.shape(), on_cpu.shape()) << what;
  const std::vector<float> got = on_device.to_vector<float>(), want = on_cpu.to_vector<float>();
  if (device.is_guarded()) {
    for (std::size_t i = 0; i < got.size(); ++i) {
      // NaN == NaN counts as equal: a fully masked softmax row gives NaN on both.
      if (!(got[i] == want[i] || (got[i] != got[i] && want[i] != want[i]))) {
        ADD_FAILURE() << what << " element " << i << ": " << got[i] << " on " << device.str() << " vs " << want[i]
                      << " on cpu";
        return;
      }
    }
    return;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-5 + 1e-4 * std::abs(want[i])) << what << " element " << i;
  }
}

}  // namespace pare::testing
