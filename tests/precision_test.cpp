// The bf16 precision policy (runtime/precision.h): linear and matmul round their operands to bf16 and
// sum in f32, their gradients too, on every device; f32 stays exact; scopes nest and restore; a BERT
// training step under bf16 stays close to the f32 step.
#include "runtime/precision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "models/bert_heads.h"
#include "runtime/autograd.h"
#include "runtime/kernel_profile.h"
#include "runtime/ops.h"
#include "runtime/optim/adamw.h"
#include "runtime/parameter_cache.h"
#include "runtime/random.h"
#include "tests/devices.h"
#include "tests/random_bert.h"

namespace pare {
namespace {

Tensor round_to_bf16(const Tensor& t) { return t.detach().to(DType::bf16).to(DType::f32); }

Tensor random_leaf(const Shape& shape, std::uint64_t seed, Device device) {
  Generator gen(seed);
  return Tensor::randn(shape, gen).to(device).requires_grad_();
}

// max |got - want| / max |want|: the error of a whole tensor relative to its scale.
double normalized_error(const Tensor& got, const Tensor& want) {
  const std::vector<float> g = got.to_vector<float>(), w = want.to_vector<float>();
  double err = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    err = std::max(err, std::abs(static_cast<double>(g[i]) - w[i]));
    scale = std::max(scale, std::abs(static_cast<double>(w[i])));
  }
  return err / scale;
}

TEST(PrecisionPolicy, ParsesNamesAndScopesRestore) {
  EXPECT_EQ(parse_precision("bf16"), Precision::bf16);
  EXPECT_EQ(precision_name(parse_precision("f32")), "f32");
  EXPECT_THROW(parse_precision("fp16"), Error);
  EXPECT_EQ(matmul_precision(), Precision::f32);
  {
    const MatmulPrecisionScope outer(Precision::bf16);
    EXPECT_EQ(matmul_precision(), Precision::bf16);
    {
      const MatmulPrecisionScope inner(Precision::f32);
      EXPECT_EQ(matmul_precision(), Precision::f32);
    }
    EXPECT_EQ(matmul_precision(), Precision::bf16);
  }
  EXPECT_EQ(matmul_precision(), Precision::f32);
}

class Bf16Products : public ::testing::TestWithParam<Device> {};

// One product case: y = f(a, b) for leaves a, b (and a bias for linear).
struct ProductRun {
  Tensor out;
  std::vector<Tensor> grads;
};

ProductRun run_linear(Device device, Precision precision) {
  const MatmulPrecisionScope scope(precision);
  const Tensor x = random_leaf({2, 3, 37}, 1, device), w = random_leaf({19, 37}, 2, device);
  const Tensor b = random_leaf({19}, 3, device), g = random_leaf({2, 3, 19}, 4, device).detach();
  const Tensor out = linear(x, w, b);
  sum(mul(out, g)).backward();
  return {out.detach(), {x.grad(), w.grad(), b.grad()}};
}

ProductRun run_matmul(Device device, Precision precision) {
  const MatmulPrecisionScope scope(precision);
  const Tensor a = random_leaf({2, 1, 5, 7}, 5, device), b = random_leaf({3, 4, 7}, 6, device);
  const Tensor g = random_leaf({2, 3, 5, 4}, 7, device).detach();
  // b read through a transposed view, as attention's K^T is.
  const Tensor out = matmul(a, b.transpose(-1, -2));
  sum(mul(out, g)).backward();
  return {out.detach(), {a.grad(), b.grad()}};
}

// Attention over a padding mask with dropout: under bf16 its two products (and their gradients) run
// on bf16 operands.
ProductRun run_attention(Device device, Precision precision) {
  const MatmulPrecisionScope scope(precision);
  const Tensor q = random_leaf({2, 3, 5, 8}, 8, device), k = random_leaf({2, 3, 6, 8}, 9, device);
  const Tensor v = random_leaf({2, 3, 6, 8}, 10, device), g = random_leaf({2, 3, 5, 8}, 11, device).detach();
  const Tensor mask =
      additive_attention_mask(Tensor::from_vector<std::int64_t>({1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}, {2, 6}, device));
  Generator gen(12);
  const Tensor out = scaled_dot_product_attention(q, k, v, mask, 0.2, &gen);
  sum(mul(out, g)).backward();
  return {out.detach(), {q.grad(), k.grad(), v.grad()}};
}

TEST_P(Bf16Products, ForwardIsTheF32ProductOfRoundedOperands) {
  const Device device = GetParam();
  const MatmulPrecisionScope scope(Precision::bf16);
  const Tensor x = random_leaf({2, 3, 37}, 1, device), w = random_leaf({19, 37}, 2, device);
  const Tensor b = random_leaf({19}, 3, device);
  const Tensor got = linear(x, w, b);
  Tensor want;
  {
    const MatmulPrecisionScope f32(Precision::f32);
    want = linear(round_to_bf16(x), round_to_bf16(w), b.detach());
  }
  // The same products summed in f32, in another order: f32 rounding apart.
  EXPECT_LT(normalized_error(got, want), 1e-5);
  const MatmulPrecisionScope f32(Precision::f32);
  const double from_f32 = normalized_error(got, linear(x, w, b));
  EXPECT_GT(from_f32, 0.0) << "the bf16 policy changed nothing";
  EXPECT_LT(from_f32, 1e-2);
}

TEST_P(Bf16Products, ForwardAndGradientsStayWithinBf16RoundingOfF32) {
  const Device device = GetParam();
  for (auto run : {run_linear, run_matmul, run_attention}) {
    const ProductRun bf16 = run(device, Precision::bf16), f32 = run(device, Precision::f32);
    EXPECT_GT(normalized_error(bf16.out, f32.out), 0.0) << "the bf16 policy changed nothing";
    EXPECT_LT(normalized_error(bf16.out, f32.out), 1e-2);
    for (std::size_t i = 0; i < f32.grads.size(); ++i) {
      EXPECT_LT(normalized_error(bf16.grads[i], f32.grads[i]), 1e-2) << "gradient " << i;
    }
    // Against the CPU's bf16 run: the guarded device bit for bit, CUDA within f32 rounding.
    const ProductRun cpu = run(Device::cpu(), Precision::bf16);
    testing::expect_matches_cpu(bf16.out, cpu.out, device, "bf16 output");
    for (std::size_t i = 0; i < cpu.grads.size(); ++i) {
      testing::expect_matches_cpu(bf16.grads[i], cpu.grads[i], device, "bf16 gradient " + std::to_string(i));
    }
  }
}

// A weight used by the forward's x W^T and the backward's dY W is converted once inside a parameter
// cache, with bit-identical results; after the scope closes a weight written in place is read anew.
TEST_P(Bf16Products, ParameterCacheConvertsAWeightOncePerScope) {
  const Device device = GetParam();
  const MatmulPrecisionScope scope(Precision::bf16);
  const Tensor x = random_leaf({2, 3, 37}, 1, device), w = random_leaf({19, 37}, 2, device);
  const Tensor b = random_leaf({19}, 3, device), g = random_leaf({2, 3, 19}, 4, device).detach();
  struct Run {
    std::vector<float> out, dx, dw;
    std::int64_t conversions = 0;
  };
  auto run = [&](bool cached) {
    x.zero_grad();
    w.zero_grad();
    std::optional<ParameterCache> cache;
    if (cached) cache.emplace(std::vector<Tensor>{w, b});
    const KernelProfileScope profile(true);
    const Tensor out = linear(x, w, b);
    sum(mul(out, g)).backward();
    Run r{out.to_vector<float>(), x.grad().to_vector<float>(), w.grad().to_vector<float>(), 0};
    for (const KernelTime& k : kernel_profile()) {
      if (k.kernel == "convert") r.conversions = k.calls;
    }
    return r;
  };
  const Run plain = run(false), cached = run(true);
  EXPECT_EQ(cached.out, plain.out);
  EXPECT_EQ(cached.dx, plain.dx);
  EXPECT_EQ(cached.dw, plain.dw);
  EXPECT_EQ(cached.conversions, plain.conversions - 1);

  // Written in place after the scope: the next scope converts the new values.
  w.detach().copy_(scale(w.detach(), 0.5));
  const Run halved = run(true), halved_plain = run(false);
  EXPECT_EQ(halved.out, halved_plain.out);
  EXPECT_NE(halved.out, plain.out);
}

// Inference (no gradient) with a cache: the weight is packed once for both calls, in f32 and bf16,
// and the products agree with the unpacked ones within f32 rounding.
TEST_P(Bf16Products, InferenceReadsPackedWeightsFromTheCache) {
  const Device device = GetParam();
  const Tensor x = random_leaf({2, 3, 37}, 1, device).detach(), w = random_leaf({19, 37}, 2, device);
  const Tensor b = random_leaf({19}, 3, device);
  const NoGradGuard no_grad;
  for (const Precision precision : {Precision::f32, Precision::bf16}) {
    SCOPED_TRACE(precision_name(precision));
    const MatmulPrecisionScope scope(precision);
    const Tensor plain = linear(x, w, b);
    const ParameterCache cache({w, b});
    const KernelProfileScope profile(true);
    const Tensor first = linear(x, w, b), second = linear(x, w, b);
    std::int64_t packs = 0, packed_products = 0;
    for (const KernelTime& k : kernel_profile()) {
      if (k.kernel == "pack_gemm_weight") packs = k.calls;
      if (k.kernel == "gemm_packed") packed_products = k.calls;
    }
    EXPECT_EQ(packs, 1);
    EXPECT_EQ(packed_products, 2);
    EXPECT_EQ(first.to_vector<float>(), second.to_vector<float>());
    EXPECT_LT(normalized_error(first, plain), 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(Devices, Bf16Products, ::testing::ValuesIn(testing::all_test_devices()),
                         testing::device_test_name);

// Two steps of fine-tuning a small BERT: the bf16 run's first loss and its weights after both steps
// stay within bf16 rounding of the f32 run's (the second loss is left out: AdamW's first steps move
// every weight by about lr whatever its gradient's size, so a gradient near zero that bf16 rounds to the
// other sign moves it the other way); and a bf16 run repeats bit for bit.
TEST(Bf16Training, BertStepsStayCloseToF32AndRepeat) {
  auto train = [](Precision precision) {
    auto model = testing::random_bert_model(testing::small_random_config(2), BertTask::sequence_classification, 5, 6);
    model->train();
    AdamW optimizer(parameter_groups_for_weight_decay(model->named_parameters(), 0.01), 1e-4);
    const BertInputs inputs = testing::padded_random_inputs(7);
    const Tensor labels = Tensor::from_vector<std::int64_t>({0, 2, 1}, {3});
    std::vector<double> losses;
    for (int i = 0; i < 2; ++i) {
      const MatmulPrecisionScope scope(precision);
      optimizer.zero_grad();
      const Tensor loss = model->forward(inputs, labels).loss;
      loss.backward();
      optimizer.step();
      losses.push_back(loss.item());
    }
    return std::make_pair(losses, model);
  };
  const auto [bf16_losses, bf16_model] = train(Precision::bf16);
  const auto [f32_losses, f32_model] = train(Precision::f32);
  EXPECT_NEAR(bf16_losses[0], f32_losses[0], 1e-2 * std::abs(f32_losses[0]));
  const NamedTensors a = bf16_model->named_parameters(), b = f32_model->named_parameters();
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_LT(normalized_error(a[i].second, b[i].second), 2e-2) << a[i].first;
  }
  const auto [again_losses, again_model] = train(Precision::bf16);
  EXPECT_EQ(again_losses, bf16_losses);
  const NamedTensors c = again_model->named_parameters();
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(c[i].second.to_vector<float>(), a[i].second.to_vector<float>()) << c[i].first;
  }
}

}  // namespace
}  // namespace pare
