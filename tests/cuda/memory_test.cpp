// The CUDA memory pool in a steady state: after warm-up, training steps take every block they need
// from what the pool already holds, so it asks the driver for nothing more (no cudaMalloc in a step)
// and what is in use returns to the same level after each step. Skips, saying so, without a device.
#include <gtest/gtest.h>

#include "models/bert_heads.h"
#include "runtime/optim/adamw.h"
#include "runtime/storage.h"   // memory_stats
#include "runtime/transfer.h"  // synchronize
#include "tests/random_bert.h"

namespace pare {
namespace {

TEST(CudaMemory, SteadyStateTrainingStepsGrowNothing) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device on this machine";
  const Device device = Device::cuda(0);
  auto model = testing::random_bert_model(testing::small_random_config(2), BertTask::sequence_classification, 5, 6);
  model->to(device);
  model->train();
  AdamW optimizer(parameter_groups_for_weight_decay(model->named_parameters(), 0.01), 1e-3);
  const BertInputs host = testing::padded_random_inputs(7);
  const BertInputs inputs{host.input_ids.to(device), host.attention_mask.to(device), host.token_type_ids.to(device)};
  const Tensor labels = Tensor::from_vector<std::int64_t>({0, 2, 1}, {3}, device);
  auto step = [&] {
    optimizer.zero_grad();
    const Tensor loss = model->forward(inputs, labels).loss;
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  for (int i = 0; i < 5; ++i) step();
  // Frees are stream-ordered: the pool's counts settle once the device has caught up.
  synchronize(device);
  const MemoryStats warm = memory_stats(device);
  for (int i = 0; i < 100; ++i) {
    step();
    synchronize(device);
    const MemoryStats now = memory_stats(device);
    ASSERT_EQ(now.cached_bytes, warm.cached_bytes) << "the pool grew at steady-state step " << i;
    ASSERT_EQ(now.in_use_bytes, warm.in_use_bytes) << "memory in use drifted at steady-state step " << i;
  }
}

}  // namespace
}  // namespace pare
