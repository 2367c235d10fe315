#include "train/mlm_masking.h"

#include <gtest/gtest.h>

namespace pare {
namespace {

TEST(MlmMasking, SelectsFifteenPercentWithEightyTenTenSplit) {
  const std::int64_t batch = 64, seq = 512, vocab = 1000;
  std::vector<std::int64_t> ids(static_cast<std::size_t>(batch * seq));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = 10 + static_cast<std::int64_t>(i % 900);
  const Tensor input = Tensor::from_vector(ids, {batch, seq});
  const Tensor attend = Tensor::ones({batch, seq}, DType::i64);
  Generator gen(5);
  const MlmBatch out = mask_tokens_for_mlm(input, attend, {0.15, 3, vocab, {}}, gen);
  const auto corrupted = out.input_ids.to_vector<std::int64_t>();
  const auto labels = out.labels.to_vector<std::int64_t>();
  double selected = 0, masked = 0, kept = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (labels[i] == -100) {
      ASSERT_EQ(corrupted[i], ids[i]);
      continue;
    }
    ASSERT_EQ(labels[i], ids[i]);
    ++selected;
    masked += corrupted[i] == 3;
    kept += corrupted[i] == ids[i];
  }
  const double n = static_cast<double>(ids.size());
  // Binomial standard deviations: 0.15 +- 0.0007 of 32768 positions; 0.8 +- 0.006 of ~4900.
  EXPECT_NEAR(selected / n, 0.15, 0.005);
  EXPECT_NEAR(masked / selected, 0.8, 0.03);
  EXPECT_NEAR(kept / selected, 0.1 + 0.1 / static_cast<double>(vocab), 0.02);
}

TEST(MlmMasking, NeverSelectsPaddingOrSpecialTokensAndReplaysFromState) {
  const Tensor input = Tensor::from_vector<std::int64_t>({101, 7, 8, 9, 102, 0, 0, 0}, {1, 8});
  const Tensor attend = Tensor::from_vector<std::int64_t>({1, 1, 1, 1, 1, 0, 0, 0}, {1, 8});
  Generator gen(1);
  const MlmMaskingOptions options{1.0, 103, 200, {101, 102}};
  const std::uint64_t offset = gen.offset();
  const MlmBatch out = mask_tokens_for_mlm(input, attend, options, gen);
  EXPECT_EQ(out.labels.to_vector<std::int64_t>(), (std::vector<std::int64_t>{-100, 7, 8, 9, -100, -100, -100, -100}));
  Generator replay;
  replay.set_state(1, offset);
  EXPECT_EQ(mask_tokens_for_mlm(input, attend, options, replay).input_ids.to_vector<std::int64_t>(),
            out.input_ids.to_vector<std::int64_t>());
}

TEST(MlmMasking, RejectsMismatchedShapesAndBadOptions) {
  const Tensor input = Tensor::zeros({2, 3}, DType::i64);
  Generator gen(1);
  EXPECT_THROW(mask_tokens_for_mlm(input, Tensor::zeros({2, 4}, DType::i64), {}, gen), Error);
  EXPECT_THROW(mask_tokens_for_mlm(input, Tensor::zeros({2, 3}, DType::i64), {1.5, 3, 10, {}}, gen), Error);
  EXPECT_THROW(mask_tokens_for_mlm(input, Tensor::zeros({2, 3}, DType::i64), {0.15, 30, 10, {}}, gen), Error);
}

}  // namespace
}  // namespace pare
