// The kernel profile behind `pare bench --profile`: launches are counted and timed per kernel only
// while it is on, and a benchmark's per-step kernel times add up to no more than its step.
#include "runtime/kernel_profile.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/ops.h"
#include "runtime/random.h"
#include "train/model_benchmark.h"

namespace pare {
namespace {

const KernelTime* find(const std::vector<KernelTime>& profile, const std::string& kernel) {
  const auto it = std::find_if(profile.begin(), profile.end(), [&](const KernelTime& k) { return k.kernel == kernel; });
  return it == profile.end() ? nullptr : &*it;
}

TEST(KernelProfile, CountsLaunchesOnlyWhileOn) {
  Generator gen(1);
  const Tensor a = Tensor::randn({4, 5}, gen), b = Tensor::randn({5, 3}, gen);
  reset_kernel_profile();
  (void)matmul(a, b);
  EXPECT_TRUE(kernel_profile().empty()) << "recorded while off";
  {
    const KernelProfileScope scope(true);
    (void)matmul(a, b);
    (void)matmul(a, b);
    (void)softmax(a);
  }
  (void)matmul(a, b);
  const std::vector<KernelTime> profile = kernel_profile();
  const KernelTime* gemm = find(profile, "gemm");
  ASSERT_NE(gemm, nullptr);
  EXPECT_EQ(gemm->calls, 2);
  EXPECT_GE(gemm->seconds, 0.0);
  // Work as runtime/kernel_work.h counts it: 2 m n k per product, operands and output once each.
  EXPECT_EQ(gemm->flops, 2 * (2.0 * 4 * 3 * 5));
  EXPECT_EQ(gemm->bytes, 2 * 4.0 * (4 * 5 + 5 * 3 + 4 * 3));
  // The softmax op launches its kernel under the op's name.
  const KernelTime* soft = find(profile, "softmax");
  ASSERT_NE(soft, nullptr);
  EXPECT_EQ(soft->calls, 1);
  EXPECT_EQ(soft->flops, 0.0);
  EXPECT_EQ(soft->bytes, 8.0 * 4 * 5);
}

TEST(KernelProfile, BenchmarkKernelsFitInTheStep) {
  ModelBenchmarkOptions options;
  options.mode = BenchMode::train;
  options.batch = 2;
  options.seq = 16;
  options.steps = 2;
  options.warmup = 1;
  options.profile = true;
  auto model = build_benchmark_model({"", "tiny", 100, 0}, options.mode);
  const ModelBenchmarkResult result = run_model_benchmark(*model, options, "tiny");
  ASSERT_FALSE(result.kernel_totals.empty());
  ASSERT_NE(find(result.kernel_totals, "adamw_update"), nullptr);
  EXPECT_EQ(find(result.kernel_totals, "adamw_update")->calls, options.steps) << "one AdamW launch per step";
  double kernel_ms = 0.0, step_ms = 0.0;
  for (const KernelTime& k : result.kernel_totals) kernel_ms += k.seconds * 1e3;
  for (double ms : result.step_ms) step_ms += ms;
  EXPECT_LE(kernel_ms, step_ms);
  EXPECT_FALSE(kernel_profile_enabled()) << "the benchmark left the profile on";
  // The JSON gives products a GFLOP/s and memory-bound kernels a GB/s.
  const nlohmann::ordered_json json = to_json(result);
  bool rated_product = false, rated_traffic = false;
  for (const auto& k : json.at("kernels")) {
    if (k.at("kernel") == "gemm_bias") rated_product = k.at("gflop_per_s").get<double>() > 0;
    if (k.at("kernel") == "adamw_update") rated_traffic = k.at("gb_per_s").get<double>() > 0;
  }
  EXPECT_TRUE(rated_product);
  EXPECT_TRUE(rated_traffic);
}

}  // namespace
}  // namespace pare
