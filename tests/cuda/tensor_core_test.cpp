// The tensor core ops' CUDA kernels (kernels/cuda/copy.cu, random.cu) against their CPU twins, on
// every CUDA device present: strided copies in and out of views, fill, every dtype conversion, and
// Philox random numbers. Skips, saying so, where no device is present.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "runtime/random.h"
#include "runtime/tensor.h"

namespace pare {
namespace {

std::vector<Device> cuda_devices() {
  std::vector<Device> devices;
  for (int i = 0; i < cuda_device_count(); ++i) devices.push_back(Device::cuda(i));
  return devices;
}

TEST(CudaTensorCore, StridedCopiesAndFillEqualTheCpu) {
  if (cuda_devices().empty()) GTEST_SKIP() << "no CUDA device on this machine";
  for (Device device : cuda_devices()) {
    SCOPED_TRACE(device.str());
    Generator gen(3);
    const Tensor host = Tensor::randn({3, 5, 7}, gen);
    const Tensor on_device = host.to(device);
    // A permuted view packed on the device.
    EXPECT_EQ(on_device.permute({2, 0, 1}).contiguous().to_vector<float>(),
              host.permute({2, 0, 1}).contiguous().to_vector<float>());
    // A scatter into a strided view of a filled tensor, for each element width.
    for (DType dtype : {DType::f32, DType::bf16, DType::i64, DType::u8}) {
      Tensor target = Tensor::full({4, 6}, 2.0, dtype, device);
      Tensor expected = Tensor::full({4, 6}, 2.0, dtype);
      const Tensor source = Tensor::full({2, 4}, 5.0, dtype);
      target.transpose(0, 1).slice(0, 1, 3).copy_(source.to(device));
      expected.transpose(0, 1).slice(0, 1, 3).copy_(source);
      EXPECT_EQ(target.to_vector<double>(), expected.to_vector<double>()) << dtype_name(dtype);
    }
  }
}

TEST(CudaTensorCore, EveryDtypeConversionEqualsTheCpu) {
  if (cuda_devices().empty()) GTEST_SKIP() << "no CUDA device on this machine";
  // Values that exercise rounding to even, subnormal halves and truncation, all finite in every float
  // type: a float that overflows to infinity has no defined integer value to compare.
  const std::vector<float> values = {0.0f,  -0.0f,    1.0f,   -2.5f,       3.75f,  65504.0f, 60000.5f,
                                     1e-6f, -3.1e-5f, 255.0f, 1.00390625f, 300.7f, -7.9f,    -1234.56f};
  const Tensor source = Tensor::from_vector(values, {static_cast<std::int64_t>(values.size())});
  const DType all[] = {DType::f32, DType::bf16, DType::f16, DType::i32, DType::i64, DType::u8};
  for (Device device : cuda_devices()) {
    for (DType from : all) {
      const Tensor host_from = source.to(from);
      const Tensor device_from = host_from.to(device);
      for (DType to : all) {
        EXPECT_EQ(device_from.to(to).to_vector<double>(), host_from.to(to).to_vector<double>())
            << device.str() << ": " << dtype_name(from) << " -> " << dtype_name(to);
      }
    }
  }
}

TEST(CudaTensorCore, RandomNumbersFollowTheCpuStream) {
  if (cuda_devices().empty()) GTEST_SKIP() << "no CUDA device on this machine";
  for (Device device : cuda_devices()) {
    Generator cpu_gen(11), device_gen(11);
    // 4099 elements: a partial last Philox block.
    const std::vector<float> want = Tensor::randn({4099}, cpu_gen, 0.5f, 2.0f).to_vector<float>();
    const std::vector<float> got = Tensor::randn({4099}, device_gen, 0.5f, 2.0f, device).to_vector<float>();
    EXPECT_EQ(cpu_gen.offset(), device_gen.offset());
    for (std::size_t i = 0; i < want.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], 1e-5 * (1.0 + std::abs(want[i]))) << device.str() << " element " << i;
    }
    const std::vector<float> uniform_want = Tensor::rand({37}, cpu_gen, -1.0f, 3.0f).to_vector<float>();
    EXPECT_EQ(Tensor::rand({37}, device_gen, -1.0f, 3.0f, device).to_vector<float>(), uniform_want) << device.str();
  }
}

}  // namespace
}  // namespace pare
