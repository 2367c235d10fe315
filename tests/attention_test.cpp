#include "runtime/ops/attention.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <string>

#include "kernels/dropout.h"      // keep_mask: the reference draws the same keep decisions
#include "runtime/ops/masking.h"  // additive_attention_mask
#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random_param;

// Naive reference: softmax(q k^T / sqrt(d) + mask) v with plain loops in double; `keep`, when not
// empty, holds per-probability keep flags of dropout with probability p.
Tensor naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                       const std::vector<std::uint8_t>& keep = {}, double p = 0.0) {
  const std::int64_t B = q.size(0), H = q.size(1), T = q.size(2), d = q.size(3), S = k.size(2);
  const std::vector<float> vq = q.to_vector<float>(), vk = k.to_vector<float>(), vv = v.to_vector<float>();
  const std::vector<float> vm = mask.defined() ? mask.expand({B, H, T, S}).to_vector<float>() : std::vector<float>();
  std::vector<float> out(static_cast<std::size_t>(B * H * T * d));
  for (std::int64_t bh = 0; bh < B * H; ++bh) {
    for (std::int64_t t = 0; t < T; ++t) {
      std::vector<double> score(static_cast<std::size_t>(S));
      double max = -std::numeric_limits<double>::infinity();
      for (std::int64_t s = 0; s < S; ++s) {
        double dot = 0.0;
        for (std::int64_t c = 0; c < d; ++c) {
          dot += double{vq[static_cast<std::size_t>((bh * T + t) * d + c)]} *
                 vk[static_cast<std::size_t>((bh * S + s) * d + c)];
        }
        double x = dot / std::sqrt(static_cast<double>(d));
        if (!vm.empty()) x += vm[static_cast<std::size_t>((bh * T + t) * S + s)];
        score[static_cast<std::size_t>(s)] = x;
        max = std::max(max, x);
      }
      double total = 0.0;
      for (double& x : score) total += (x = std::exp(x - max));
      for (std::int64_t c = 0; c < d; ++c) {
        double acc = 0.0;
        for (std::int64_t s = 0; s < S; ++s) {
          double w = score[static_cast<std::size_t>(s)] / total;
          if (!keep.empty()) w = keep[static_cast<std::size_t>((bh * T + t) * S + s)] ? w / (1.0 - p) : 0.0;
          acc += w * vv[static_cast<std::size_t>((bh * S + s) * d + c)];
        }
        out[static_cast<std::size_t>((bh * T + t) * d + c)] = static_cast<float>(acc);
      }
    }
  }
  return Tensor::from_vector(out, {B, H, T, d});
}

struct AttentionCase {
  std::int64_t B, H, T, S, d;
  Shape mask;  // empty: no mask
};

class AttentionTest : public ::testing::TestWithParam<AttentionCase> {};

Tensor random_mask(const Shape& shape, Generator& gen) {
  return shape.empty() ? Tensor() : Tensor::randn(shape, gen, 0.0f, 2.0f);
}

TEST_P(AttentionTest, ForwardMatchesNaiveLoop) {
  Generator gen(1);
  const auto& c = GetParam();
  const Tensor q = Tensor::randn({c.B, c.H, c.T, c.d}, gen), k = Tensor::randn({c.B, c.H, c.S, c.d}, gen);
  const Tensor v = Tensor::randn({c.B, c.H, c.S, c.d}, gen), mask = random_mask(c.mask, gen);
  expect_close(scaled_dot_product_attention(q, k, v, mask), naive_attention(q, k, v, mask), 1e-5, 1e-4);
}

TEST_P(AttentionTest, GradientsMatchFiniteDifferences) {
  Generator gen(2);
  const auto& c = GetParam();
  std::vector<Tensor> inputs = {random_param({c.B, c.H, c.T, c.d}, gen), random_param({c.B, c.H, c.S, c.d}, gen),
                                random_param({c.B, c.H, c.S, c.d}, gen)};
  if (!c.mask.empty()) {
    inputs.push_back(random_mask(c.mask, gen));
    inputs.back().requires_grad_();
  }
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return scaled_dot_product_attention(in[0], in[1], in[2], in.size() > 3 ? in[3] : Tensor());
      },
      inputs);
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionTest,
                         ::testing::Values(AttentionCase{2, 3, 4, 6, 5, {}}, AttentionCase{2, 2, 3, 5, 5, {2, 1, 1, 5}},
                                           AttentionCase{1, 2, 4, 3, 2, {1, 1, 4, 3}},
                                           AttentionCase{2, 1, 3, 4, 3, {3, 4}}, AttentionCase{1, 1, 1, 1, 1, {}},
                                           AttentionCase{3, 2, 5, 5, 4, {2, 5, 5}}));

TEST(Attention, PaddedBatchMatchesUnpaddedSequences) {
  Generator gen(3);
  const std::int64_t H = 2, T = 4, S = 6, d = 5;
  const Tensor q = Tensor::randn({2, H, T, d}, gen), k = Tensor::randn({2, H, S, d}, gen);
  const Tensor v = Tensor::randn({2, H, S, d}, gen);
  // Sequence 0 uses every key; sequence 1 only its first 4, the rest is padding.
  const Tensor mask =
      additive_attention_mask(Tensor::from_vector<std::int64_t>({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, S}));
  const Tensor out = scaled_dot_product_attention(q, k, v, mask);
  expect_close(out, naive_attention(q, k, v, mask), 1e-5, 1e-4);
  const Tensor short_out =
      scaled_dot_product_attention(q.slice(0, 1, 2), k.slice(0, 1, 2).slice(2, 0, 4), v.slice(0, 1, 2).slice(2, 0, 4));
  expect_close(out.slice(0, 1, 2).contiguous(), short_out, 1e-6, 1e-5, "padded vs unpadded");
}

TEST(Attention, FullyPaddedRowIsUniformNotNaN) {
  Generator gen(4);
  Tensor q = random_param({1, 1, 2, 3}, gen), k = random_param({1, 1, 4, 3}, gen), v = random_param({1, 1, 4, 3}, gen);
  const Tensor mask = additive_attention_mask(Tensor::zeros({1, 4}, DType::i64));
  const Tensor out = scaled_dot_product_attention(q, k, v, mask);
  const std::vector<float> vv = v.to_vector<float>(), vo = out.to_vector<float>();
  for (std::size_t t = 0; t < 2; ++t) {
    for (std::size_t c = 0; c < 3; ++c) {
      const float mean = (vv[c] + vv[3 + c] + vv[6 + c] + vv[9 + c]) / 4.0f;
      EXPECT_NEAR(vo[t * 3 + c], mean, 1e-6) << "row " << t << " column " << c;
    }
  }
  // A -inf mask, as some callers write it, behaves the same.
  const Tensor inf_mask = Tensor::full({1, 1, 1, 4}, -std::numeric_limits<double>::infinity());
  expect_close(scaled_dot_product_attention(q, k, v, inf_mask), out, 0.0, 0.0, "-inf mask");
  out.backward(Tensor::ones(out.shape()));
  for (const Tensor& t : {q, k, v}) {
    for (float g : t.grad().to_vector<float>()) EXPECT_TRUE(std::isfinite(g));
  }
}

TEST(Attention, DropoutMatchesReferenceWithTheSameKeepDecisions) {
  Generator gen(5);
  const std::int64_t B = 2, H = 3, T = 4, S = 5, d = 3;
  const Tensor q = Tensor::randn({B, H, T, d}, gen), k = Tensor::randn({B, H, S, d}, gen);
  const Tensor v = Tensor::randn({B, H, S, d}, gen), mask = Tensor::randn({B, 1, 1, S}, gen);
  const double p = 0.3;
  Generator drop_gen(99);
  const Tensor out = scaled_dot_product_attention(q, k, v, mask, p, &drop_gen);
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(B * H * T * S));
  kernels::cpu::keep_mask({}, keep.data(), B * H * T * S, 99, 0, static_cast<float>(p));
  expect_close(out, naive_attention(q, k, v, mask, keep, p), 1e-5, 1e-4);
  EXPECT_EQ(drop_gen.offset(), kernels::keep_mask_counters(B * H * T * S));
  // Without a generator there is no dropout.
  expect_close(scaled_dot_product_attention(q, k, v, mask, p, nullptr), naive_attention(q, k, v, mask), 1e-5, 1e-4);
}

TEST(Attention, DropoutGradientsMatchFiniteDifferences) {
  Generator gen(6);
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        Generator drop_gen(17);
        return scaled_dot_product_attention(in[0], in[1], in[2], Tensor(), 0.4, &drop_gen);
      },
      {random_param({2, 2, 3, 5}, gen), random_param({2, 2, 4, 5}, gen), random_param({2, 2, 4, 5}, gen)});
}

TEST(Attention, SameResultForOneAndTwoThreads) {
  Generator gen(7);
  // Large enough for the kernels to run one (batch, head) pair per thread.
  Tensor q = random_param({2, 3, 32, 8}, gen), k = random_param({2, 3, 24, 8}, gen),
         v = random_param({2, 3, 24, 8}, gen);
  const Tensor g = Tensor::randn({2, 3, 32, 8}, gen);
  auto run = [&](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    for (const Tensor& t : {q, k, v}) t.zero_grad();
    Generator drop_gen(3);
    const Tensor out = scaled_dot_product_attention(q, k, v, Tensor(), 0.2, &drop_gen);
    out.backward(g);
    omp_set_num_threads(saved);
    return std::vector<std::vector<float>>{out.to_vector<float>(), q.grad().to_vector<float>(),
                                           k.grad().to_vector<float>(), v.grad().to_vector<float>()};
  };
  EXPECT_EQ(run(1), run(2));
}

// Batch 1 with one head, as a heads-pruned model runs at batch 1: the single pair's products run
// on one thread (kernels/cpu/attention.cpp), the same values as with one thread in all, and the
// caller's thread count is what it was.
TEST(Attention, SinglePairSameResultForOneAndTwoThreadsAndThreadCountKept) {
  Generator gen(8);
  Tensor q = random_param({1, 1, 64, 64}, gen), k = random_param({1, 1, 64, 64}, gen),
         v = random_param({1, 1, 64, 64}, gen);
  const Tensor g = Tensor::randn({1, 1, 64, 64}, gen);
  auto run = [&](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    for (const Tensor& t : {q, k, v}) t.zero_grad();
    const Tensor out = scaled_dot_product_attention(q, k, v, Tensor());
    out.backward(g);
    EXPECT_EQ(omp_get_max_threads(), threads);
    omp_set_num_threads(saved);
    return std::vector<std::vector<float>>{out.to_vector<float>(), q.grad().to_vector<float>(),
                                           k.grad().to_vector<float>(), v.grad().to_vector<float>()};
  };
  const auto one = run(1);
  EXPECT_EQ(one, run(2));
  expect_close(scaled_dot_product_attention(q, k, v, Tensor()), naive_attention(q, k, v, Tensor()), 1e-5, 1e-4);
}

TEST(Attention, BadShapesAreErrors) {
  const Tensor q = Tensor::zeros({2, 3, 4, 5}), k = Tensor::zeros({2, 3, 6, 5});
  EXPECT_THROW(scaled_dot_product_attention(q, k, Tensor::zeros({2, 3, 6, 4})), Error);
  EXPECT_THROW(scaled_dot_product_attention(q, Tensor::zeros({2, 3, 6, 4}), Tensor::zeros({2, 3, 6, 4})), Error);
  EXPECT_THROW(scaled_dot_product_attention(Tensor::zeros({3, 4, 5}), k, k), Error);
  EXPECT_THROW(scaled_dot_product_attention(q, k, k, Tensor(), 1.0), Error);
  try {
    scaled_dot_product_attention(q, k, k, Tensor::zeros({2, 1, 1, 4}));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 1, 1, 4]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pare
