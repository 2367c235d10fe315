// A whole BERT training step (forward with dropout, loss, backward, clipping, AdamW) on every device
// present against the same step on the CPU, and the host reads it makes.
#include <gtest/gtest.h>

#include "models/bert_heads.h"
#include "runtime/autograd.h"
#include "runtime/optim/adamw.h"
#include "runtime/optim/clip_grad.h"
#include "runtime/transfer.h"
#include "tests/devices.h"
#include "tests/random_bert.h"

namespace pare {
namespace {

using testing::expect_matches_cpu;

class DeviceBert : public ::testing::TestWithParam<Device> {};

BertInputs inputs_on(const BertInputs& in, Device device) {
  return {in.input_ids.to(device), in.attention_mask.to(device), in.token_type_ids.to(device)};
}

struct Step {
  std::shared_ptr<BertTaskModel> model;
  Tensor logits, loss;
  double grad_norm = 0.0;
  TransferStats forward_backward, clip, optimizer;
};

// Two training steps in train mode (dropout on), so the second runs on weights the first updated.
Step train_steps(BertTask task, Device device) {
  Step step;
  step.model = testing::random_bert_model(testing::small_random_config(2), task, 5, 6);
  step.model->to(device);
  step.model->train();
  AdamW optimizer(parameter_groups_for_weight_decay(step.model->named_parameters(), 0.01), 1e-2);
  const BertInputs inputs = inputs_on(testing::padded_random_inputs(7), device);
  const Tensor labels =
      task == BertTask::sequence_classification
          ? Tensor::from_vector<std::int64_t>({0, 2, 1}, {3}, device)
          : Tensor::from_vector<std::int64_t>({0, 1, 2, 0, 1, 2, 1, 1, 0, 0, -100, -100, 2, 2, -100, -100, -100, -100},
                                              {3, 6}, device);
  for (int i = 0; i < 2; ++i) {
    optimizer.zero_grad();
    reset_transfer_stats();
    const BertOutputs out = step.model->forward(inputs, labels);
    out.loss.backward();
    step.forward_backward = transfer_stats();
    reset_transfer_stats();
    step.grad_norm = clip_grad_norm(step.model->parameters(), 0.5);
    step.clip = transfer_stats();
    reset_transfer_stats();
    optimizer.step();
    step.optimizer = transfer_stats();
    step.logits = out.logits.detach();
    step.loss = out.loss.detach();
  }
  return step;
}

void expect_steps_match(BertTask task, Device device) {
  const Step want = train_steps(task, Device::cpu());
  const Step got = train_steps(task, device);
  expect_matches_cpu(got.logits, want.logits, device, "logits");
  expect_matches_cpu(got.loss, want.loss, device, "loss");
  if (device.is_guarded()) {
    EXPECT_EQ(got.grad_norm, want.grad_norm);
  }
  const NamedTensors cpu_params = want.model->named_parameters(), device_params = got.model->named_parameters();
  ASSERT_EQ(cpu_params.size(), device_params.size());
  for (std::size_t i = 0; i < cpu_params.size(); ++i) {
    expect_matches_cpu(device_params[i].second, cpu_params[i].second, device, "updated " + cpu_params[i].first);
  }
  // Forward, loss and backward read nothing back; clipping reads the one global norm; AdamW none.
  EXPECT_EQ(got.forward_backward.to_host, 0u);
  EXPECT_EQ(got.clip.to_host, 1u);
  EXPECT_EQ(got.optimizer.to_host + got.optimizer.to_device, 0u);
}

TEST_P(DeviceBert, SequenceClassificationStepsMatchTheCpu) {
  expect_steps_match(BertTask::sequence_classification, GetParam());
}

TEST_P(DeviceBert, TokenClassificationStepsMatchTheCpu) {
  expect_steps_match(BertTask::token_classification, GetParam());
}

TEST_P(DeviceBert, ModuleToMovesEveryEntryOnceAndKeepsLeaves) {
  const Device device = GetParam();
  auto model = testing::random_bert_model(testing::small_random_config(1), BertTask::masked_lm, 1, 2);
  const std::size_t count = model->named_parameters().size();
  model->to(device);
  EXPECT_EQ(model->named_parameters().size(), count);
  for (const auto& [name, p] : model->named_parameters()) {
    EXPECT_EQ(p.device(), device) << name;
    EXPECT_TRUE(p.is_leaf() && p.requires_grad()) << name;
  }
  for (const auto& [name, b] : model->named_buffers()) EXPECT_EQ(b.device(), device) << name;
  model->to(Device::cpu());
  for (const auto& [name, p] : model->named_parameters()) EXPECT_TRUE(p.device().is_cpu()) << name;
}

INSTANTIATE_TEST_SUITE_P(Devices, DeviceBert, ::testing::ValuesIn(testing::non_cpu_test_devices()),
                         testing::device_test_name);

}  // namespace
}  // namespace pare
