// Tensors crossing between the CPU and a CUDA device: values kept both ways, and CUDA tensors saved
// through the CPU. Skips without a CUDA device.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "runtime/io/safetensors.h"
#include "runtime/random.h"
#include "runtime/tensor.h"
#include "tests/test_support.h"  // ScratchDir, bytes_of

namespace pare {
namespace {

namespace fs = std::filesystem;

TEST(CudaTransfer, RoundTripKeepsValues) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device on this machine";
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor back = t.to(Device::cuda()).to(Device::cpu());
  EXPECT_EQ(back.to_vector<float>(), t.to_vector<float>());
}

TEST(CudaTransfer, TensorsSaveThroughTheCpu) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device on this machine";
  testing::ScratchDir scratch;
  Generator gen(9);
  const Tensor f32 = Tensor::randn({5, 7}, gen), bf16 = Tensor::randn({3, 2}, gen).to(DType::bf16);
  const fs::path path = scratch.path() / "gpu.safetensors";
  save_safetensors(path, {{"f32", f32.to(Device::cuda())}, {"bf16", bf16.to(Device::cuda())}});
  const SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_EQ(testing::bytes_of(file.load("f32")), testing::bytes_of(f32));
  EXPECT_EQ(testing::bytes_of(file.load("bf16")), testing::bytes_of(bf16));
}

}  // namespace
}  // namespace pare
