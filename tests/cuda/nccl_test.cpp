// NCCL's collectives over CUDA memory (the CUDA backend's DeviceCollectives), without MPI: a group of one rank on
// one GPU, what a one-GPU machine can run (NCCL refuses two ranks on one device), and, where there
// are several GPUs, one rank per GPU in threads of this process. The id exchange through MPI and the
// multi-process path are tested by tests/mpi under mpirun.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "runtime/backends.h"
#include "runtime/device.h"
#include "runtime/dispatch.h"  // kernel_context
#include "runtime/tensor.h"
#include "runtime/transfer.h"  // synchronize

namespace pare {
namespace {

// Every rank's tensor filled with rank + 1, summed; then rank 0's 7s broadcast over 3s.
void run_rank(const kernels::CollectiveGroupId& id, int rank, int ranks, std::vector<float>& sum,
              std::vector<float>& copy) {
  const Device device = Device::cuda(rank);
  std::unique_ptr<kernels::DeviceCollectives> group = backend(device).join_collectives(id, rank, ranks, rank);
  EXPECT_STREQ(group->library(), "NCCL");
  const Tensor t = Tensor::full({1 << 16}, rank + 1.0).to(device);
  group->all_reduce(t.device_raw_data(), static_cast<std::size_t>(t.numel()), kernels::CollectiveElement::f32, false,
                    kernel_context(device));
  const Tensor b = Tensor::full({5}, rank == 0 ? 7.0 : 3.0).to(device);
  group->broadcast(b.device_raw_data(), b.nbytes(), 0, kernel_context(device));
  synchronize(device);
  sum = t.to_vector<float>();
  copy = b.to_vector<float>();
}

TEST(CudaNccl, OneRankGroupReducesAndBroadcastsInPlace) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device on this machine";
  std::vector<float> sum, copy;
  run_rank(backend(Device::cuda()).new_collective_group_id(), 0, 1, sum, copy);
  for (float v : sum) ASSERT_EQ(v, 1.0f);
  for (float v : copy) ASSERT_EQ(v, 7.0f);
}

TEST(CudaNccl, OneRankPerGpuSumsOverEveryGpu) {
  const int gpus = cuda_device_count();
  if (gpus < 2) GTEST_SKIP() << gpus << " CUDA device(s): a group of several ranks needs one GPU each";
  const kernels::CollectiveGroupId id = backend(Device::cuda()).new_collective_group_id();
  std::vector<std::vector<float>> sums(static_cast<std::size_t>(gpus)), copies(static_cast<std::size_t>(gpus));
  std::vector<std::thread> threads;
  for (int r = 0; r < gpus; ++r) {
    threads.emplace_back(
        [&, r] { run_rank(id, r, gpus, sums[static_cast<std::size_t>(r)], copies[static_cast<std::size_t>(r)]); });
  }
  for (std::thread& t : threads) t.join();
  for (int r = 0; r < gpus; ++r) {
    for (float v : sums[static_cast<std::size_t>(r)]) ASSERT_EQ(v, gpus * (gpus + 1) / 2.0f) << "rank " << r;
    for (float v : copies[static_cast<std::size_t>(r)]) ASSERT_EQ(v, 7.0f) << "rank " << r;
  }
}

}  // namespace
}  // namespace pare
