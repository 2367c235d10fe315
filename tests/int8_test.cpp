// The int8 kernels and ops (kernels/int8.h, runtime/ops/quantized.h) against references written
// here: the products against exact integer arithmetic (s32 sums of s8 products are exact, and so is
// their f32 value below 2^24), the row quantization against its formula, the lookups against a
// loop; then int8_linear and int8_embedding as ops, their refusals and the host-guarded device.
#include "kernels/int8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "runtime/autograd.h"
#include "runtime/ops/matmul.h"
#include "runtime/ops/quantized.h"
#include "runtime/parameter_cache.h"
#include "runtime/random.h"
#include "runtime/transfer.h"
#include "tests/devices.h"
#include "tests/test_support.h"  // error_of, has

namespace pare {
namespace {

using testing::error_of;
using testing::has;

const kernels::Context kCpu{};

std::vector<std::int8_t> random_s8(std::size_t n, std::mt19937& rng) {
  std::vector<std::int8_t> out(n);
  // The full range, -128 included: a weight never holds it, but the product must not care.
  for (auto& v : out) v = static_cast<std::int8_t>(static_cast<int>(rng() % 256) - 128);
  return out;
}

// The packed s8 weight of w [n, k] and its storage.
struct PackedS8 {
  std::vector<unsigned char> storage;
  std::shared_ptr<const kernels::PackedGemmWeight> weight;
};
PackedS8 pack(const std::vector<std::int8_t>& w, std::int64_t n, std::int64_t k) {
  PackedS8 p;
  p.storage.resize(static_cast<std::size_t>(kernels::cpu::packed_s8_weight_bytes(kCpu, n, k)));
  p.weight = kernels::cpu::pack_s8_weight(kCpu, n, k, w.data(), p.storage.data());
  return p;
}

struct ProductShape {
  std::int64_t m, n, k;
};

class Int8Product : public ::testing::TestWithParam<ProductShape> {};

TEST_P(Int8Product, SumsEqualExactIntegerArithmetic) {
  const auto [m, n, k] = GetParam();
  std::mt19937 rng(static_cast<std::uint32_t>(m * 131 + n * 7 + k));
  const std::vector<std::int8_t> a = random_s8(static_cast<std::size_t>(m * k), rng);
  const std::vector<std::int8_t> w = random_s8(static_cast<std::size_t>(n * k), rng);
  const PackedS8 packed = pack(w, n, k);
  // Unit scales and no bias: c is the integer sum itself, exact in f32 below 2^24 (|sum| <= k * 2^14).
  const std::vector<float> ones_m(static_cast<std::size_t>(m), 1.0f), ones_n(static_cast<std::size_t>(n), 1.0f);
  std::vector<float> c(static_cast<std::size_t>(m * n), -1.0f);
  kernels::cpu::gemm_s8_packed(kCpu, m, a.data(), k, ones_m.data(), *packed.weight, ones_n.data(), nullptr, c.data());
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      std::int64_t sum = 0;
      for (std::int64_t p = 0; p < k; ++p) sum += std::int64_t{a[i * k + p]} * w[j * k + p];
      ASSERT_EQ(c[i * n + j], static_cast<float>(sum)) << "row " << i << " column " << j;
    }
  }
}

TEST_P(Int8Product, ScalesAndBiasApplyToEachRowAndColumn) {
  const auto [m, n, k] = GetParam();
  std::mt19937 rng(static_cast<std::uint32_t>(m + n * 17 + k * 3));
  const std::vector<std::int8_t> a = random_s8(static_cast<std::size_t>(m * k), rng);
  const std::vector<std::int8_t> w = random_s8(static_cast<std::size_t>(n * k), rng);
  std::uniform_real_distribution<float> positive(0.001f, 0.1f), any(-3.0f, 3.0f);
  std::vector<float> a_scale(static_cast<std::size_t>(m)), w_scale(static_cast<std::size_t>(n)),
      bias(static_cast<std::size_t>(n));
  for (auto& s : a_scale) s = positive(rng);
  for (auto& s : w_scale) s = positive(rng);
  for (auto& b : bias) b = any(rng);
  const PackedS8 packed = pack(w, n, k);
  std::vector<float> c(static_cast<std::size_t>(m * n));
  kernels::cpu::gemm_s8_packed(kCpu, m, a.data(), k, a_scale.data(), *packed.weight, w_scale.data(), bias.data(),
                               c.data());
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      std::int64_t sum = 0;
      for (std::int64_t p = 0; p < k; ++p) sum += std::int64_t{a[i * k + p]} * w[j * k + p];
      const double want = static_cast<double>(sum) * w_scale[j] * a_scale[i] + bias[j];
      // Three f32 roundings (the sum's scale, the row's scale, the bias).
      const double tolerance =
          4e-7 * (std::abs(static_cast<double>(sum) * w_scale[j] * a_scale[i]) + std::abs(bias[j]));
      ASSERT_NEAR(c[i * n + j], want, tolerance) << "row " << i << " column " << j;
    }
  }
}

// Odd sizes on every axis (none a multiple of a vector width), a single row and column, BERT-like
// widths, and products big enough to run on several threads.
INSTANTIATE_TEST_SUITE_P(Shapes, Int8Product,
                         ::testing::Values(ProductShape{1, 1, 1}, ProductShape{1, 5, 7}, ProductShape{3, 33, 17},
                                           ProductShape{17, 1, 300}, ProductShape{130, 257, 65},
                                           ProductShape{64, 96, 1027}, ProductShape{256, 384, 192}));

TEST(Int8Kernels, QuantizeRowsFollowsItsFormula) {
  // Row 0: largest 127, so levels are the values rounded half to even (2.5 -> 2, 3.5 -> 4, -2.5 -> -2).
  // Row 1: a random row. Row 2: zeros. Row 3: a NaN. Row 4: an infinity. Row 5: one negative value.
  const std::int64_t cols = 7;
  std::vector<float> x = {127.0f, 2.5f, 3.5f, -2.5f, 0.5f, -126.5f, 1.5f};
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (std::int64_t c = 0; c < cols; ++c) x.push_back(normal(rng));
  for (std::int64_t c = 0; c < cols; ++c) x.push_back(0.0f);
  for (std::int64_t c = 0; c < cols; ++c) x.push_back(c == 3 ? std::numeric_limits<float>::quiet_NaN() : 1.0f);
  for (std::int64_t c = 0; c < cols; ++c) x.push_back(c == 5 ? -std::numeric_limits<float>::infinity() : 1.0f);
  for (std::int64_t c = 0; c < cols; ++c) x.push_back(c == 2 ? -0.25f : 0.0f);
  const std::int64_t rows = static_cast<std::int64_t>(x.size()) / cols;
  std::vector<std::int8_t> q(x.size());
  std::vector<float> scale(static_cast<std::size_t>(rows));
  kernels::cpu::quantize_rows_s8(kCpu, rows, cols, x.data(), q.data(), scale.data());

  EXPECT_EQ(std::vector<std::int8_t>(q.begin(), q.begin() + cols),
            (std::vector<std::int8_t>{127, 2, 4, -2, 0, -126, 2}));
  EXPECT_EQ(scale[0], 1.0f);
  float largest = 0.0f;
  for (std::int64_t c = 0; c < cols; ++c) largest = std::max(largest, std::fabs(x[cols + c]));
  EXPECT_EQ(scale[1], largest / 127.0f);
  for (std::int64_t c = 0; c < cols; ++c) {
    EXPECT_EQ(q[cols + c], static_cast<std::int8_t>(std::nearbyint(x[cols + c] * (127.0f / largest)))) << c;
    EXPECT_LE(std::fabs(q[cols + c] * scale[1] - x[cols + c]), scale[1] / 2 * (1 + 1e-6)) << c;
  }
  EXPECT_EQ(scale[2], 0.0f);
  EXPECT_TRUE(std::isnan(scale[3]));
  EXPECT_TRUE(std::isnan(scale[4]));
  for (std::int64_t row : {2, 3, 4}) {
    for (std::int64_t c = 0; c < cols; ++c) EXPECT_EQ(q[row * cols + c], 0) << "row " << row;
  }
  EXPECT_EQ(q[5 * cols + 2], -127);
  EXPECT_EQ(scale[5], 0.25f / 127.0f);
}

TEST(Int8Kernels, DequantizeGatherScalesEachRowAndRefusesIdsOutOfRange) {
  const std::vector<std::int8_t> table = {1, -2, 3, 127, -127, 0, 5, 6, 7};  // [3, 3]
  const std::vector<float> scale = {0.5f, 0.01f, 2.0f};
  const std::vector<std::int64_t> ids = {2, 0, 2, 1};
  std::vector<float> out(12);
  kernels::cpu::dequantize_gather_s8(kCpu, table.data(), scale.data(), 3, 3, ids.data(), 4, out.data());
  EXPECT_EQ(out,
            (std::vector<float>{10.0f, 12.0f, 14.0f, 0.5f, -1.0f, 1.5f, 10.0f, 12.0f, 14.0f, 1.27f, -1.27f, 0.0f}));
  const std::vector<std::int64_t> bad = {0, 3};
  try {
    kernels::cpu::dequantize_gather_s8(kCpu, table.data(), scale.data(), 3, 3, bad.data(), 2, out.data());
    ADD_FAILURE() << "id 3 of a 3-row table was accepted";
  } catch (const std::out_of_range& e) {
    EXPECT_TRUE(has(e.what(), "index 3 at position 1 out of range [0, 3)"));
  }
}

TEST(Int8Kernels, FloatProductsRefuseAnInt8Weight) {
  const std::vector<std::int8_t> w(12, 1);
  const PackedS8 packed = pack(w, 3, 4);
  std::vector<float> a(8, 1.0f), c(6);
  EXPECT_THROW(kernels::cpu::gemm_packed(kCpu, 2, a.data(), 4, *packed.weight, nullptr, c.data()),
               std::invalid_argument);
}

// x [rows, in] through int8_linear against the same arithmetic in double from quantize_rows' own
// output: what is left is the f32 rounding of the result.
TEST(Int8Ops, LinearIsTheScaledIntegerProductOfQuantizedRows) {
  Generator gen(11);
  const Tensor x = Tensor::randn({2, 5, 37}, gen, 0.0f, 1.5f);
  const QuantizedRows w = quantize_rows(Tensor::randn({23, 37}, gen, 0.0f, 0.05f));
  const Tensor bias = Tensor::randn({23}, gen);
  const Tensor y = int8_linear(x, w.values, w.scale, bias);
  ASSERT_EQ(y.shape(), (Shape{2, 5, 23}));
  const QuantizedRows q = quantize_rows(x.reshape({10, 37}));
  const auto xv = q.values.to_vector<std::int64_t>(), wv = w.values.to_vector<std::int64_t>();
  const auto xs = q.scale.to_vector<double>(), ws = w.scale.to_vector<double>(), b = bias.to_vector<double>();
  const auto got = y.to_vector<double>();
  for (std::int64_t i = 0; i < 10; ++i) {
    for (std::int64_t j = 0; j < 23; ++j) {
      std::int64_t sum = 0;
      for (std::int64_t p = 0; p < 37; ++p) sum += xv[i * 37 + p] * wv[j * 37 + p];
      const double want = static_cast<double>(sum) * ws[j] * xs[i] + b[j];
      EXPECT_NEAR(got[i * 23 + j], want, 1e-6 * (std::abs(want) + 1)) << i << ", " << j;
    }
  }
  // And close to the f32 layer it approximates: each operand within half a level of its row's scale.
  const Tensor f32 = linear(x, dequantize_rows(w.values, w.scale), bias);
  const auto want = f32.to_vector<double>();
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 0.02 * (std::abs(want[i]) + 1)) << i;
}

TEST(Int8Ops, PackedOncePerCacheGivesTheSameBits) {
  Generator gen(12);
  const Tensor x = Tensor::randn({9, 64}, gen);
  const QuantizedRows w = quantize_rows(Tensor::randn({48, 64}, gen));
  const Tensor unpacked = int8_linear(x, w.values, w.scale);
  const ParameterCache cache({w.values, w.scale});
  const Tensor packed_once = int8_linear(x, w.values, w.scale);
  EXPECT_EQ(testing::bytes_of(unpacked), testing::bytes_of(packed_once));
  EXPECT_EQ(ParameterCache::packed_s8(w.values), ParameterCache::packed_s8(w.values)) << "packed twice";
}

TEST(Int8Ops, EmbeddingAndDequantizeRowsMatchTheirFormula) {
  Generator gen(13);
  const QuantizedRows table = quantize_rows(Tensor::randn({6, 5}, gen));
  const Tensor ids = Tensor::from_vector<std::int32_t>({5, 0, 5, 2}, {2, 2});
  const Tensor out = int8_embedding(table.values, table.scale, ids);
  ASSERT_EQ(out.shape(), (Shape{2, 2, 5}));
  const auto v = table.values.to_vector<float>(), s = table.scale.to_vector<float>(), got = out.to_vector<float>();
  const std::vector<int> rows = {5, 0, 5, 2};
  for (std::size_t j = 0; j < rows.size(); ++j) {
    for (std::size_t c = 0; c < 5; ++c) EXPECT_EQ(got[j * 5 + c], v[rows[j] * 5 + c] * s[rows[j]]);
  }
  const Tensor all = dequantize_rows(table.values, table.scale);
  for (std::size_t i = 0; i < 30; ++i) EXPECT_EQ(all.to_vector<float>()[i], v[i] * s[i / 5]);
  EXPECT_TRUE(has(
      error_of([&] { (void)int8_embedding(table.values, table.scale, Tensor::from_vector<std::int64_t>({6}, {1})); }),
      "int8_embedding (vocab size 6): "));
}

TEST(Int8Ops, RefuseGradientsWrongTypesAndShapes) {
  Generator gen(14);
  const QuantizedRows w = quantize_rows(Tensor::randn({4, 3}, gen));
  Tensor x = Tensor::randn({2, 3}, gen);
  x.requires_grad_();
  EXPECT_TRUE(has(error_of([&] { (void)int8_linear(x, w.values, w.scale); }), "int8 ops have no gradient"));
  EXPECT_TRUE(has(error_of([&] { (void)int8_linear(x.detach(), w.values, w.scale.slice(0, 0, 3)); }),
                  "scale of shape [3] does not match weight of shape [4, 3]"));
  EXPECT_TRUE(has(error_of([&] { (void)int8_linear(x.detach(), w.values.to(DType::f32), w.scale); }), "I8"));
  EXPECT_TRUE(has(error_of([&] { (void)int8_linear(Tensor::randn({2, 4}, gen), w.values, w.scale); }), "expects 3"));
  const NoGradGuard no_grad;
  EXPECT_EQ(int8_linear(x, w.values, w.scale).shape(), (Shape{2, 4})) << "no recording, no refusal";
}

class Int8OnDevice : public ::testing::TestWithParam<Device> {};

// The int8 path keeps its tensors on the device like every other op: on the host-guarded device
// a host read outside a kernel throws, and the result equals the CPU's bit for bit.
TEST_P(Int8OnDevice, LinearAndEmbeddingRunOnTheDevice) {
  const Device device = GetParam();
  if (device.is_cuda()) {
    // No int8 kernels on CUDA yet: refused, naming the kernel and the device.
    const std::string error = error_of([&] { (void)quantize_rows(Tensor::ones({2, 2}, DType::f32, device)); });
    EXPECT_TRUE(has(error, "quantize_rows_s8")) << error;
    EXPECT_TRUE(has(error, device.str())) << error;
    return;
  }
  Generator gen(15);
  const Tensor x = Tensor::randn({3, 4, 40}, gen);
  const QuantizedRows w = quantize_rows(Tensor::randn({24, 40}, gen));
  const Tensor bias = Tensor::randn({24}, gen);
  const Tensor ids = Tensor::from_vector<std::int64_t>({1, 23, 4}, {3});
  const Tensor want = int8_linear(x, w.values, w.scale, bias);
  const Tensor want_rows = int8_embedding(w.values, w.scale, ids);
  const Tensor xd = x.to(device), wd = w.values.to(device), sd = w.scale.to(device), bd = bias.to(device),
               idd = ids.to(device);
  reset_transfer_stats();
  const Tensor got = int8_linear(xd, wd, sd, bd);
  const Tensor got_rows = int8_embedding(wd, sd, idd);
  const QuantizedRows q = quantize_rows(xd);
  EXPECT_EQ(transfer_stats().to_host, 0u) << "the int8 ops read the host";
  testing::expect_matches_cpu(got, want, device, "int8_linear");
  testing::expect_matches_cpu(got_rows, want_rows, device, "int8_embedding");
  EXPECT_EQ(q.values.device(), device);
  EXPECT_EQ(q.scale.device(), device);
}

INSTANTIATE_TEST_SUITE_P(Devices, Int8OnDevice, ::testing::ValuesIn(testing::non_cpu_test_devices()),
                         testing::device_test_name);

}  // namespace
}  // namespace pare
