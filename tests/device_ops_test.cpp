// Every op, forward and backward, on every device present against the CPU as the oracle, and the
// finite-difference gradient check run on the device itself.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "runtime/autograd.h"
#include "runtime/gradcheck.h"
#include "runtime/ops.h"
#include "runtime/random.h"
#include "runtime/transfer.h"
#include "tests/devices.h"

namespace pare {
namespace {

using testing::expect_matches_cpu;
using testing::leaf_on;

// One op under test: its inputs (made on the CPU; those requiring grad are differentiated) and a
// function of them that may make further tensors on the inputs' device.
struct OpCase {
  std::string name;
  std::function<std::vector<Tensor>()> inputs;
  std::function<Tensor(const std::vector<Tensor>&)> fn;
};

Tensor param(const Shape& shape, std::uint64_t seed) {
  Generator gen(seed);
  return Tensor::randn(shape, gen).requires_grad_();
}

Tensor constant(const Shape& shape, std::uint64_t seed) {
  Generator gen(seed);
  return Tensor::randn(shape, gen);
}

std::vector<OpCase> op_cases() {
  std::vector<OpCase> cases;
  auto add_case = [&](std::string name, std::function<std::vector<Tensor>()> inputs,
                      std::function<Tensor(const std::vector<Tensor>&)> fn) {
    cases.push_back({std::move(name), std::move(inputs), std::move(fn)});
  };
  const auto two = [] { return std::vector<Tensor>{param({2, 3, 4}, 1), param({3, 1}, 2)}; };
  add_case("add", two, [](const auto& in) { return add(in[0], in[1]); });
  add_case("sub", two, [](const auto& in) { return sub(in[0], in[1]); });
  add_case("mul", two, [](const auto& in) { return mul(in[0], in[1]); });
  add_case("div", two, [](const auto& in) { return div(in[0], add_scalar(mul(in[1], in[1]), 1.0)); });
  add_case("scale_add_scalar", two, [](const auto& in) { return add_scalar(scale(in[0], -2.5), 0.75); });
  add_case(
      "matmul_batched",
      [] {
        return std::vector<Tensor>{param({2, 3, 4}, 3), param({2, 4, 5}, 4)};
      },
      [](const auto& in) { return matmul(in[0], in[1]); });
  add_case(
      "matmul_transposed_view",
      [] {
        return std::vector<Tensor>{param({3, 4}, 5), param({5, 4}, 6)};
      },
      [](const auto& in) { return matmul(in[0], in[1].transpose(0, 1)); });
  add_case(
      "linear",
      [] {
        return std::vector<Tensor>{param({2, 3, 4}, 7), param({5, 4}, 8), param({5}, 9)};
      },
      [](const auto& in) { return linear(in[0], in[1], in[2]); });
  const auto one = [] { return std::vector<Tensor>{param({3, 7}, 10)}; };
  add_case("gelu", one, [](const auto& in) { return gelu(in[0]); });
  add_case("gelu_tanh", one, [](const auto& in) { return gelu(in[0], GeluApproximation::tanh); });
  add_case("relu", one, [](const auto& in) { return relu(in[0]); });
  add_case("tanh", one, [](const auto& in) { return tanh(in[0]); });
  add_case("sigmoid", one, [](const auto& in) { return sigmoid(in[0]); });
  add_case("abs", one, [](const auto& in) { return abs(in[0]); });
  add_case("sqrt", one, [](const auto& in) { return sqrt(add_scalar(mul(in[0], in[0]), 0.5)); });
  add_case("argmax", one, [](const auto& in) { return argmax(in[0]); });
  add_case("softmax", one, [](const auto& in) { return softmax(in[0]); });
  add_case("log_softmax", one, [](const auto& in) { return log_softmax(in[0]); });
  add_case("sum_axes", one, [](const auto& in) { return sum(in[0], {1}, true); });
  add_case("mean_all", one, [](const auto& in) { return mean(in[0]); });
  add_case("transpose_contiguous", one, [](const auto& in) { return in[0].transpose(0, 1).contiguous(); });
  add_case("slice_expand", one, [](const auto& in) {
    return in[0].slice(1, 2, 5).slice(0, 1, 2).expand({4, 3}).contiguous();
  });
  add_case(
      "layer_norm_padded",
      [] {
        return std::vector<Tensor>{param({4, 6}, 11), param({6}, 12), param({6}, 13)};
      },
      [](const auto& in) { return layer_norm(in[0], in[1], in[2], 1e-5, 8); });
  add_case(
      "layer_norm_of_sum",
      [] {
        return std::vector<Tensor>{param({4, 6}, 28), param({4, 6}, 29), param({6}, 30), param({6}, 31)};
      },
      [](const auto& in) { return layer_norm_of_sum(in[0], in[1], in[2], in[3], 1e-5, 8); });
  add_case(
      "attention_mask_dropout",
      [] {
        return std::vector<Tensor>{param({2, 2, 3, 4}, 14), param({2, 2, 5, 4}, 15), param({2, 2, 5, 4}, 16),
                                   Tensor::from_vector<std::int64_t>({1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, {2, 5})};
      },
      [](const auto& in) {
        Generator gen(21);
        const Tensor mask = additive_attention_mask(in[3]);
        return scaled_dot_product_attention(in[0], in[1], in[2], mask, 0.25, &gen);
      });
  add_case("dropout", one, [](const auto& in) {
    Generator gen(5);
    return dropout(in[0], 0.4, true, gen);
  });
  add_case(
      "cross_entropy",
      [] {
        return std::vector<Tensor>{param({4, 5}, 17), Tensor::from_vector<std::int64_t>({1, -100, 4, 0}, {4})};
      },
      [](const auto& in) { return cross_entropy(in[0], in[1], -100, 0.1); });
  add_case(
      "mse",
      [] {
        return std::vector<Tensor>{param({3, 4}, 18), constant({3, 4}, 19)};
      },
      [](const auto& in) { return mse_loss(in[0], in[1]); });
  add_case(
      "kl_temperature",
      [] {
        return std::vector<Tensor>{param({3, 5}, 20), param({3, 5}, 21)};
      },
      [](const auto& in) { return kl_div_with_temperature(in[0], in[1], 2.0); });
  add_case(
      "embedding_padding",
      [] {
        return std::vector<Tensor>{param({6, 3}, 22), Tensor::from_vector<std::int64_t>({1, 0, 5, 1}, {2, 2})};
      },
      [](const auto& in) { return embedding(in[0], in[1], 0); });
  add_case(
      "index_select",
      [] {
        return std::vector<Tensor>{param({3, 4}, 23), Tensor::from_vector<std::int32_t>({3, 0, 3}, {3})};
      },
      [](const auto& in) { return index_select(in[0], 1, in[1]); });
  add_case(
      "concat",
      [] {
        return std::vector<Tensor>{param({2, 3}, 24), param({2, 1}, 25)};
      },
      [](const auto& in) {
        return concat({in[0], in[1]}, 1);
      });
  add_case(
      "masked_fill",
      [] {
        return std::vector<Tensor>{param({2, 3}, 26), Tensor::from_vector<std::uint8_t>({1, 0, 1}, {3})};
      },
      [](const auto& in) { return masked_fill(in[0], in[1], -3.0); });
  add_case(
      "to_dtype_round_trip",
      [] {
        return std::vector<Tensor>{constant({2, 5}, 27)};
      },
      [](const auto& in) { return in[0].to(DType::bf16).to(DType::i32).to(DType::f32); });
  return cases;
}

class DeviceOps : public ::testing::TestWithParam<Device> {};

// Forward on each device, then the gradient of sum(out * w) for a fixed random w.
struct OpRun {
  Tensor out;
  std::vector<Tensor> grads;
};

OpRun run_case(const OpCase& c, const std::vector<Tensor>& inputs) {
  OpRun run;
  run.out = c.fn(inputs);
  if (!run.out.requires_grad()) return run;
  Generator gen(99);
  const Tensor w = Tensor::randn(run.out.shape(), gen, 0.0f, 1.0f, run.out.device());
  sum(mul(run.out, w)).backward();
  for (const Tensor& t : inputs) run.grads.push_back(t.requires_grad() ? t.grad() : Tensor());
  return run;
}

TEST_P(DeviceOps, ForwardAndBackwardMatchTheCpu) {
  const Device device = GetParam();
  for (const OpCase& c : op_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<Tensor> cpu_inputs = c.inputs();
    std::vector<Tensor> device_inputs;
    for (const Tensor& t : cpu_inputs) device_inputs.push_back(leaf_on(t, device));
    const OpRun want = run_case(c, cpu_inputs);
    const OpRun got = run_case(c, device_inputs);
    expect_matches_cpu(got.out, want.out, device, c.name + " output");
    ASSERT_EQ(got.grads.size(), want.grads.size());
    for (std::size_t i = 0; i < got.grads.size(); ++i) {
      if (!want.grads[i].defined()) continue;
      ASSERT_TRUE(got.grads[i].defined()) << c.name << " input " << i << " got no gradient";
      expect_matches_cpu(got.grads[i], want.grads[i], device, c.name + " gradient of input " + std::to_string(i));
    }
  }
}

TEST_P(DeviceOps, GradientCheckRunsOnTheDevice) {
  const Device device = GetParam();
  const std::vector<Tensor> inputs = {leaf_on(param({3, 4}, 30), device), leaf_on(param({3, 4}, 31), device),
                                      leaf_on(param({4}, 32), device), leaf_on(param({4}, 33), device)};
  const GradcheckResult result = check_gradients(
      [](const std::vector<Tensor>& in) { return softmax(layer_norm(mul(in[0], in[1]), in[2], in[3], 1e-5)); }, inputs);
  EXPECT_EQ(result.checked_elements, 32);
  EXPECT_TRUE(result.mismatches.empty()) << result.summary();
}

TEST_P(DeviceOps, KernelErrorsNameTheKernelAndTheDevice) {
  const Device device = GetParam();
  const Tensor logits = Tensor::zeros({2, 3}, DType::f32, device);
  try {
    cross_entropy(logits, Tensor::from_vector<std::int64_t>({0, 7}, {2}, device));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cross_entropy_forward on " + device.str()), std::string::npos) << msg;
    EXPECT_NE(msg.find("target 7 at row 1 out of range for 3 classes"), std::string::npos) << msg;
  }
}

TEST_P(DeviceOps, OpsRefuseTensorsOnTwoDevices) {
  const Device device = GetParam();
  const Tensor a = Tensor::ones({2, 2}, DType::f32, device), b = Tensor::ones({2, 2});
  EXPECT_THROW(add(a, b), Error);
  EXPECT_THROW(matmul(a, b), Error);
}

INSTANTIATE_TEST_SUITE_P(Devices, DeviceOps, ::testing::ValuesIn(testing::non_cpu_test_devices()),
                         testing::device_test_name);

// ---- the host-guarded device's own rules ----------------------------------------------------------

TEST(GuardedDevice, HostAccessThrowsAndTransfersAreCounted) {
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2}, Device::guarded());
  EXPECT_EQ(t.device(), Device::guarded());
  EXPECT_THROW(t.data<float>(), Error);
  EXPECT_THROW(t.raw_data(), Error);
  try {
    t.data<float>();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("on guarded"), std::string::npos) << e.what();
  }
  reset_transfer_stats();
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(t.transpose(0, 1).to_vector<float>(), (std::vector<float>{1, 3, 2, 4}));
  EXPECT_EQ(sum(t).item(), 10.0);
  EXPECT_EQ(transfer_stats().to_host, 3u);
  EXPECT_EQ(transfer_stats().to_host_bytes, 16u + 16u + 4u);
  EXPECT_EQ(transfer_stats().to_device, 0u);
}

TEST(GuardedDevice, CoreTensorOpsStayOnTheDevice) {
  const Device g = Device::guarded();
  reset_transfer_stats();
  Tensor z = Tensor::zeros({3, 4}, DType::f32, g);
  z.transpose(0, 1).slice(0, 1, 3).copy_(Tensor::full({2, 3}, 5.0, DType::f32, g));
  const Tensor half = z.to(DType::bf16);
  Tensor ids = Tensor::full({2}, 7.0, DType::i64, g);
  EXPECT_EQ(transfer_stats().to_host + transfer_stats().to_device, 0u);
  EXPECT_EQ(half.device(), g);
  EXPECT_EQ(ids.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 7}));
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{0, 5, 5, 0, 0, 5, 5, 0, 0, 5, 5, 0}));
  EXPECT_EQ(half.to(DType::f32).to_vector<float>(), z.to_vector<float>());
  Generator a(3), b(3);
  EXPECT_EQ(Tensor::randn({5}, a, 0.0f, 1.0f, g).to_vector<float>(), Tensor::randn({5}, b).to_vector<float>());
}

TEST(GuardedDevice, ParseAndName) {
  EXPECT_EQ(parse_device("guarded"), Device::guarded());
  EXPECT_EQ(Device::guarded().str(), "guarded");
  EXPECT_THROW(parse_device("cuda:x"), Error);
}

}  // namespace
}  // namespace pare
