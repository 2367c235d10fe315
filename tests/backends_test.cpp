// The backend registry (runtime/backends.h): which backend serves each device type, what a build or
// machine without CUDA says, and that every registered table is full.
#include "runtime/backends.h"

#include <gtest/gtest.h>

#include <string>

#include "runtime/storage.h"  // memory_stats
#include "runtime/tensor.h"
#include "runtime/transfer.h"    // copy_between_devices
#include "tests/test_support.h"  // error_of, has

namespace pare {
namespace {

TEST(Backends, TheCpuBackendServesTheCpuAndTheGuardedDevice) {
  kernels::Backend& cpu = backend(Device::cpu());
  EXPECT_EQ(&cpu, &backend(Device::guarded()));
  EXPECT_STREQ(cpu.name(), "cpu");
  EXPECT_TRUE(cpu.host_memory());
  EXPECT_EQ(cpu.device_count(), 1);
  // One buffer cache: what the guarded device holds counts as CPU memory.
  const std::size_t before = memory_stats(Device::cpu()).in_use_bytes;
  const Tensor t = Tensor::zeros({1024}).to(Device::guarded());
  EXPECT_GE(memory_stats(Device::cpu()).in_use_bytes, before + 4096);
  EXPECT_EQ(memory_stats(Device::guarded()).in_use_bytes, memory_stats(Device::cpu()).in_use_bytes);
}

TEST(Backends, EveryKernelOfTheListIsInTheCpuTable) {
  const kernels::KernelTable& table = backend(Device::cpu()).kernels();
  int filled = 0, listed = 0;
#define PARE_COUNT_KERNEL(name, ...) \
  ++listed;                          \
  if (table.name != nullptr) ++filled;
  PARE_KERNELS(PARE_COUNT_KERNEL, )
#undef PARE_COUNT_KERNEL
  EXPECT_EQ(filled, listed);
  EXPECT_GE(listed, 46);
}

TEST(Backends, ACudaDeviceIsRefusedWhereThereIsNone) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
  const std::string error = testing::error_of([] { Tensor::zeros({2}).to(Device::cuda()); });
#if PARE_HAVE_CUDA
  ASSERT_NE(find_backend(DeviceType::cuda), nullptr);
  EXPECT_TRUE(testing::has(error, "cuda:0 is not present (0 cuda device(s) visible)")) << error;
#else
  EXPECT_EQ(find_backend(DeviceType::cuda), nullptr);
  EXPECT_TRUE(testing::has(error, "cannot use cuda:0: pare was built without CUDA support")) << error;
#endif
}

TEST(Backends, CopiesGoBetweenTheCpuAndOneDevice) {
  float a = 1.0f, b = 0.0f;
  const std::string error =
      testing::error_of([&] { copy_between_devices(&b, Device::cuda(), &a, Device::guarded(), sizeof a); });
  EXPECT_TRUE(testing::has(error, "copy from guarded to cuda:0: copies go between the CPU and one device")) << error;
  copy_between_devices(&b, Device::guarded(), &a, Device::cpu(), sizeof a);
  EXPECT_EQ(b, 1.0f);
}

}  // namespace
}  // namespace pare
