#include "runtime/tensor.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <bit>
#include <cstdint>
#include <string>

#include "kernels/half_float.h"  // bf16_from_float
#include "runtime/random.h"
#include "tests/test_support.h"  // error_of

namespace pare {
namespace {

using testing::error_of;

TEST(Tensor, CpuBuffersAre64ByteAligned) {
  for (std::int64_t n : {1, 3, 17, 1000, 300000}) {
    const Tensor t = Tensor::empty({n});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64, 0u) << n;
  }
}

TEST(Tensor, FactoriesFillEveryDtype) {
  EXPECT_EQ(Tensor::full({2, 2}, 1.5).to_vector<float>(), std::vector<float>(4, 1.5f));
  EXPECT_EQ(Tensor::full({3}, 7, DType::i64).to_vector<std::int64_t>(), std::vector<std::int64_t>(3, 7));
  EXPECT_EQ(Tensor::ones({2}, DType::u8).to_vector<int>(), std::vector<int>(2, 1));
  EXPECT_EQ(Tensor::full({2}, -2.5, DType::bf16).to_vector<float>(), std::vector<float>(2, -2.5f));
  EXPECT_EQ(Tensor::full({2}, 0.25, DType::f16).to_vector<float>(), std::vector<float>(2, 0.25f));
  EXPECT_EQ(Tensor::zeros({0, 4}).numel(), 0);
}

TEST(Tensor, ReshapeIsAViewAndInfersOneAxis) {
  const Tensor t = Tensor::from_vector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  const Tensor r = t.reshape({3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(r.raw_data(), t.raw_data());
  EXPECT_NE(error_of([&] { t.reshape({4, -1}); }).find("[2, 3]"), std::string::npos);
  EXPECT_NE(error_of([&] { t.reshape({-1, -1}); }).find("only one -1"), std::string::npos);
}

TEST(Tensor, PermuteTransposeSliceAreViewsUntilContiguous) {
  const Tensor t = Tensor::from_vector<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2});
  const Tensor p = t.permute({2, 0, 1});
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_EQ(p.raw_data(), t.raw_data());
  // p[k][i][j] = t[i][j][k]
  EXPECT_EQ(p.contiguous().to_vector<float>(), (std::vector<float>{0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(t.transpose(0, 1).to_vector<float>(), (std::vector<float>{0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11}));
  EXPECT_EQ(t.slice(1, 1, 3).to_vector<float>(), (std::vector<float>{2, 3, 4, 5, 8, 9, 10, 11}));
  EXPECT_EQ(t.slice(-1, -1, 2).to_vector<float>(), (std::vector<float>{1, 3, 5, 7, 9, 11}));
  EXPECT_NE(error_of([&] { t.slice(1, 2, 5); }).find("out of bounds"), std::string::npos);
  EXPECT_NE(error_of([&] { t.permute({0, 0, 1}); }).find("repeated"), std::string::npos);
}

TEST(Tensor, ExpandBroadcastsWithZeroStrides) {
  const Tensor t = Tensor::from_vector<float>({1, 2, 3}, {3, 1});
  const Tensor e = t.expand({2, 3, 4});
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(e.contiguous().to_vector<float>()[5], 2.0f);
  EXPECT_THROW(t.expand({2, 4}), Error);
}

TEST(Tensor, DtypeConversionsRoundTrip) {
  const Tensor f = Tensor::from_vector<float>({0.0f, -1.0f, 3.140625f, 65504.0f, 1e-6f}, {5});
  EXPECT_EQ(f.to(DType::bf16).to(DType::f32).to_vector<float>()[2], 3.140625f);
  const std::vector<float> half = f.to(DType::f16).to(DType::f32).to_vector<float>();
  EXPECT_EQ(half[3], 65504.0f);
  EXPECT_NEAR(half[4], 1e-6f, 6e-8f);  // f16 subnormal
  EXPECT_EQ(Tensor::from_vector<std::int64_t>({-3, 200}, {2}).to(DType::f32).to_vector<float>(),
            (std::vector<float>{-3, 200}));
  EXPECT_EQ(Tensor::from_vector<float>({2.9f, -1.0f}, {2}).to(DType::i32).to_vector<int>(), (std::vector<int>{2, -1}));
  // bf16 rounds to nearest even: 1 + 2^-8 is halfway between 1 and 1 + 2^-7.
  EXPECT_EQ(Tensor::from_vector<float>({1.00390625f}, {1}).to(DType::bf16).item(), 1.0);
}

// The vectorised f32 -> bf16 path (split over threads, an odd length) gives bit for bit what the
// scalar rounding of kernels/half_float.h gives, special values included.
TEST(Tensor, Bf16ConversionOfALongTensorMatchesTheScalarRounding) {
  const std::vector<std::uint32_t> specials = {0x7f800001u, 0xffc12345u, 0x7f800000u, 0xff800000u,
                                               0x00000001u, 0x807fffffu, 0x7f7fffffu, 0x3f808000u,
                                               0x3f818000u, 0x3f80ffffu, 0x00000000u, 0x80000000u};
  std::vector<float> values(100003);
  Generator gen(5);
  const std::vector<float> noise = Tensor::randn({static_cast<std::int64_t>(values.size())}, gen).to_vector<float>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = i % 97 < specials.size() ? std::bit_cast<float>(specials[i % 97]) : noise[i] * 1e3f;
  }
  const Tensor bits = Tensor::from_vector(values, {static_cast<std::int64_t>(values.size())}).to(DType::bf16);
  const auto* got = static_cast<const std::uint16_t*>(bits.raw_data());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(got[i], kernels::bf16_from_float(values[i]))
        << "element " << i << " bits " << std::hex << std::bit_cast<std::uint32_t>(values[i]);
  }
}

TEST(Tensor, DataChecksDtype) {
  const Tensor ids = Tensor::zeros({2}, DType::i64);
  EXPECT_NE(error_of([&] { ids.data<float>(); }).find("dtype I64"), std::string::npos);
  EXPECT_NE(error_of([&] { Tensor().shape(); }).find("undefined"), std::string::npos);
  EXPECT_NE(error_of([&] { Tensor::zeros({2, 2}).item(); }).find("[2, 2]"), std::string::npos);
}

TEST(Tensor, RandomIsReproducibleAndIndependentOfThreads) {
  Generator a(42), b(42);
  const std::vector<float> x = Tensor::randn({1000, 301}, a).to_vector<float>();
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<float> y = Tensor::randn({1000, 301}, b).to_vector<float>();
  omp_set_num_threads(threads);
  EXPECT_EQ(x, y);
  EXPECT_EQ(a.offset(), b.offset());
  // A different state gives different numbers; moments are those of N(0, 1).
  const std::vector<float> z = Tensor::randn({1000, 301}, a).to_vector<float>();
  EXPECT_NE(x, z);
  double mean = 0, var = 0;
  for (float v : z) mean += v;
  mean /= static_cast<double>(z.size());
  for (float v : z) var += (v - mean) * (v - mean);
  var /= static_cast<double>(z.size());
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.02);
  const std::vector<float> u = Tensor::rand({10000}, a, 2.0f, 3.0f).to_vector<float>();
  for (float v : u) {
    ASSERT_GE(v, 2.0f);
    ASSERT_LT(v, 3.0f);
  }
}

TEST(Tensor, GeneratorStateRestoresTheSameStream) {
  Generator g(7);
  Tensor::randn({5}, g);
  const std::uint64_t offset = g.offset();
  const std::vector<float> first = Tensor::randn({9}, g).to_vector<float>();
  Generator restored;
  restored.set_state(7, offset);
  EXPECT_EQ(Tensor::randn({9}, restored).to_vector<float>(), first);
}

TEST(Tensor, PrettyPrintsNestedAndSummarised) {
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(t.str(), "tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=F32)");
  EXPECT_EQ(Tensor::full({}, 5, DType::i64).str(), "tensor(5, shape=[], dtype=I64)");
  const std::string big = Tensor::zeros({2000}).str();
  EXPECT_NE(big.find("..."), std::string::npos);
  EXPECT_LT(big.size(), 200u);
}

TEST(Tensor, CopyIntoStridedView) {
  Tensor t = Tensor::zeros({3, 4});
  t.transpose(0, 1).slice(0, 1, 2).copy_(Tensor::from_vector<float>({7, 8, 9}, {1, 3}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0}));
}

TEST(Tensor, DeviceNamesParseAndAMissingGpuIsRefused) {
  EXPECT_EQ(Device::cuda(1).str(), "cuda:1");
  EXPECT_EQ(parse_device("cuda:2"), Device::cuda(2));
  EXPECT_THROW(parse_device("gpu"), Error);
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present; covered by the CUDA tests";
  EXPECT_THROW(Tensor::zeros({2}).to(Device::cuda()), Error);
}

}  // namespace
}  // namespace pare
