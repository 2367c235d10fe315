// scaled_dot_product_attention on head-split views (BERT's [B, T, H * d] projections seen as
// [B, H, T, d]), which the kernel reads in place: the same values and gradients as packed copies,
// and an output that permutes back to [B, T, H, d] without a copy.
#include <gtest/gtest.h>

#include "runtime/ops/attention.h"
#include "runtime/ops/elementwise.h"  // mul
#include "runtime/ops/masking.h"      // additive_attention_mask
#include "runtime/ops/reduce.h"       // sum
#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random_param;

// Part `part` (0 = q, 1 = k, 2 = v) of a fused [B, T, 3 * H * d] projection as [B, H, T, d].
Tensor split_heads(const Tensor& qkv, std::int64_t part, std::int64_t heads, std::int64_t head_dim) {
  const std::int64_t width = heads * head_dim;
  return qkv.slice(2, part * width, (part + 1) * width)
      .reshape({qkv.size(0), qkv.size(1), heads, head_dim})
      .permute({0, 2, 1, 3});
}

TEST(AttentionLayout, HeadSplitViewsMatchPackedCopies) {
  Generator gen(5);
  const std::int64_t B = 2, T = 7, H = 3, d = 4;
  const Tensor qkv = Tensor::randn({B, T, 3 * H * d}, gen);
  const Tensor mask =
      additive_attention_mask(Tensor::from_vector<std::int64_t>({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, {B, T}));
  const Tensor q = split_heads(qkv, 0, H, d), k = split_heads(qkv, 1, H, d), v = split_heads(qkv, 2, H, d);
  ASSERT_FALSE(q.is_contiguous());
  const Tensor out = scaled_dot_product_attention(q, k, v, mask);
  const Tensor packed = scaled_dot_product_attention(q.contiguous(), k.contiguous(), v.contiguous(), mask);
  expect_close(out, packed, 1e-6, 1e-6);
  // [B, T, H, d] memory: merging the heads back is a view.
  EXPECT_TRUE(out.permute({0, 2, 1, 3}).is_contiguous());
  EXPECT_TRUE(packed.is_contiguous());
}

TEST(AttentionLayout, HeadSplitGradientsMatchFiniteDifferences) {
  Generator gen(6);
  const std::int64_t B = 2, T = 3, H = 2, d = 3;
  const Tensor mask = additive_attention_mask(Tensor::from_vector<std::int64_t>({1, 1, 1, 1, 1, 0}, {B, T}));
  expect_gradients_match(
      [&](const std::vector<Tensor>& in) {
        const Tensor context = scaled_dot_product_attention(split_heads(in[0], 0, H, d), split_heads(in[0], 1, H, d),
                                                            split_heads(in[0], 2, H, d), mask.to(in[0].device()));
        return context.permute({0, 2, 1, 3}).reshape({B, T, H * d});
      },
      {random_param({B, T, 3 * H * d}, gen)});
}

TEST(AttentionLayout, HeadSplitGradientsEqualPackedGradients) {
  Generator gen(7);
  const std::int64_t B = 2, T = 5, H = 3, d = 4;
  const Tensor weights = Tensor::randn({B, H, T, d}, gen);
  auto gradient = [&](bool packed) {
    Generator init(8);
    Tensor qkv = random_param({B, T, 3 * H * d}, init);
    auto part = [&](std::int64_t i) {
      const Tensor view = split_heads(qkv, i, H, d);
      return packed ? view.contiguous() : view;
    };
    Generator drop_gen(9);
    sum(mul(scaled_dot_product_attention(part(0), part(1), part(2), Tensor(), 0.3, &drop_gen), weights)).backward();
    return qkv.grad();
  };
  expect_close(gradient(false), gradient(true), 1e-6, 1e-5);
}

TEST(AttentionLayout, SingleRowsAndBroadcastKeysAreRead) {
  Generator gen(10);
  // One query row (its row stride is never stepped) and keys/values broadcast over the batch.
  const Tensor q = Tensor::randn({3, 2, 1, 4}, gen);
  const Tensor k = Tensor::randn({1, 2, 5, 4}, gen).expand({3, 2, 5, 4});
  const Tensor v = Tensor::randn({1, 2, 5, 4}, gen).expand({3, 2, 5, 4});
  expect_close(scaled_dot_product_attention(q, k, v), scaled_dot_product_attention(q, k.contiguous(), v.contiguous()),
               1e-6, 1e-6);
}

}  // namespace
}  // namespace pare
