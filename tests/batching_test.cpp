#include "data/batching.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "runtime/error.h"

namespace pare {
namespace {

using Ids = std::vector<std::int64_t>;
using Indices = std::vector<std::size_t>;

TokenizedExample example(Ids ids, Ids types = {}) {
  TokenizedExample ex;
  ex.input_ids = std::move(ids);
  ex.token_type_ids = std::move(types);
  return ex;
}

TEST(Batching, FirstSubtokenLabels) {
  // [CLS] play ##ing in the ##re ##st [SEP] -> words 0 (2 pieces), 1, 2 (3 pieces).
  const Ids word_of = {-1, 0, 0, 1, 2, 2, 2, -1};
  EXPECT_EQ(first_subtoken_labels(word_of, Ids{5, 6, 7}),
            (Ids{kIgnoreLabel, 5, kIgnoreLabel, 6, 7, kIgnoreLabel, kIgnoreLabel, kIgnoreLabel}));
  EXPECT_THROW(first_subtoken_labels(Ids{0, 3}, Ids{1, 2}), Error);
}

TEST(Batching, CollatePadsToTheLongestInTheBatch) {
  std::vector<TokenizedExample> data = {example({101, 7, 102}, {0, 0, 0}),
                                        example({101, 8, 9, 102, 10, 102}, {0, 0, 0, 0, 1, 1}), example({101, 102})};
  data[0].label = 1;
  data[1].label = 0;
  data[2].label = 2;
  const Batch batch = collate(data, Indices{2, 0}, TaskKind::classification, /*pad_id=*/-1);
  EXPECT_EQ(batch.input_ids.shape(), (Shape{2, 3}));
  EXPECT_EQ(batch.input_ids.dtype(), DType::i64);
  EXPECT_EQ(batch.input_ids.to_vector<std::int64_t>(), (Ids{101, 102, -1, 101, 7, 102}));
  EXPECT_EQ(batch.attention_mask.to_vector<std::int64_t>(), (Ids{1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(batch.token_type_ids.to_vector<std::int64_t>(), (Ids{0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(batch.labels.shape(), (Shape{2}));
  EXPECT_EQ(batch.labels.to_vector<std::int64_t>(), (Ids{2, 1}));
  EXPECT_EQ(batch.indices, (Indices{2, 0}));

  const Batch pair = collate(data, Indices{1, 2}, TaskKind::classification);
  EXPECT_EQ(pair.input_ids.shape(), (Shape{2, 6}));
  EXPECT_EQ(pair.token_type_ids.to_vector<std::int64_t>(), (Ids{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(pair.input_ids.to_vector<std::int64_t>(), (Ids{101, 8, 9, 102, 10, 102, 101, 102, 0, 0, 0, 0}));
}

TEST(Batching, RegressionTaggingAndUnlabelled) {
  std::vector<TokenizedExample> data = {example({1, 2, 3}), example({1, 4})};
  data[0].score = 4.5f;
  data[1].score = 0.25f;
  const Batch reg = collate(data, Indices{0, 1}, TaskKind::regression);
  EXPECT_EQ(reg.labels.dtype(), DType::f32);
  EXPECT_EQ(reg.labels.to_vector<float>(), (std::vector<float>{4.5f, 0.25f}));

  data[0].token_labels = {kIgnoreLabel, 3, kIgnoreLabel};
  data[1].token_labels = {kIgnoreLabel, 9};
  const Batch tags = collate(data, Indices{1, 0}, TaskKind::tagging);
  EXPECT_EQ(tags.labels.shape(), (Shape{2, 3}));
  EXPECT_EQ(tags.labels.to_vector<std::int64_t>(), (Ids{kIgnoreLabel, 9, kIgnoreLabel, kIgnoreLabel, 3, kIgnoreLabel}));

  const std::vector<TokenizedExample> test = {example({1, 2}), example({1})};
  const Batch unlabelled = collate(test, Indices{0, 1}, TaskKind::classification);
  EXPECT_FALSE(unlabelled.labels.defined());
  EXPECT_EQ(unlabelled.attention_mask.to_vector<std::int64_t>(), (Ids{1, 1, 1, 0}));
}

TEST(Batching, CollateRejectsInconsistentExamples) {
  std::vector<TokenizedExample> data = {example({1, 2}), example({1, 2}), example({}), example({1, 2}, {0})};
  data[0].label = 1;
  EXPECT_THROW(collate(data, Indices{0, 1}, TaskKind::classification), Error);  // half labelled
  EXPECT_THROW(collate(data, Indices{2}, TaskKind::classification), Error);     // no tokens
  EXPECT_THROW(collate(data, Indices{3}, TaskKind::classification), Error);     // types length
  EXPECT_THROW(collate(data, Indices{4}, TaskKind::classification), Error);     // out of range
  EXPECT_THROW(collate(data, Indices{}, TaskKind::classification), Error);
  data[1].token_labels = {1, 2, 3};
  EXPECT_THROW(collate(data, Indices{1}, TaskKind::tagging), Error);  // labels length
}

std::vector<std::size_t> iota_lengths(std::size_t n) {
  std::vector<std::size_t> lengths(n);
  for (std::size_t i = 0; i < n; ++i) lengths[i] = 1 + (i * 37) % 50;
  return lengths;
}

// Every example exactly once (all batches full except possibly one).
void expect_partition(const std::vector<Indices>& batches, std::size_t n) {
  Indices all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  Indices expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
}

TEST(BatchSampler, InOrderWithoutShuffling) {
  BatchSampler sampler(iota_lengths(7), {.batch_size = 3, .shuffle = false});
  EXPECT_EQ(sampler.batches_per_epoch(), 3u);
  EXPECT_EQ(sampler.epoch_batches(0), (std::vector<Indices>{{0, 1, 2}, {3, 4, 5}, {6}}));
  BatchSampler dropping(iota_lengths(7), {.batch_size = 3, .shuffle = false, .drop_last = true});
  EXPECT_EQ(dropping.epoch_batches(0), (std::vector<Indices>{{0, 1, 2}, {3, 4, 5}}));
  EXPECT_THROW(BatchSampler(iota_lengths(2), {.batch_size = 3, .drop_last = true}), Error);
  EXPECT_THROW(BatchSampler({}, {}), Error);
  EXPECT_THROW(BatchSampler(iota_lengths(2), {.batch_size = 0}), Error);
}

TEST(BatchSampler, BucketingSortsWithinWindowsOfBatches) {
  const std::vector<std::size_t> lengths = {1, 5, 2, 8, 3, 7, 4, 6, 9};
  BatchSampler sampler(lengths, {.batch_size = 2, .shuffle = false, .bucket_batches = 2});
  // Windows of 4: lengths (1 5 2 8) -> 8 5 2 1; (3 7 4 6) -> 7 6 4 3; (9).
  EXPECT_EQ(sampler.epoch_batches(0), (std::vector<Indices>{{3, 1}, {2, 0}, {5, 7}, {6, 4}, {8}}));
}

std::size_t padded_tokens(const std::vector<Indices>& batches, const std::vector<std::size_t>& lengths) {
  std::size_t total = 0;
  for (const auto& b : batches) {
    std::size_t longest = 0;
    for (auto i : b) longest = std::max(longest, lengths[i]);
    total += longest * b.size();
  }
  return total;
}

TEST(BatchSampler, ShufflingIsSeededAndCoversEveryExample) {
  const auto lengths = iota_lengths(100);
  BatchSampler a(lengths, {.batch_size = 8, .seed = 7});
  BatchSampler b(lengths, {.batch_size = 8, .seed = 7});
  BatchSampler c(lengths, {.batch_size = 8, .seed = 8});
  const auto e0 = a.epoch_batches(0);
  expect_partition(e0, 100);
  EXPECT_EQ(e0.size(), 13u);
  EXPECT_EQ(e0, b.epoch_batches(0));
  EXPECT_NE(e0, a.epoch_batches(1));
  EXPECT_NE(e0, c.epoch_batches(0));
  expect_partition(a.epoch_batches(1), 100);

  // Bucketing keeps the partition and cuts padding against plain shuffling.
  BatchSampler bucketed(lengths, {.batch_size = 8, .bucket_batches = 4, .seed = 7});
  const auto eb = bucketed.epoch_batches(0);
  expect_partition(eb, 100);
  EXPECT_LT(padded_tokens(eb, lengths), padded_tokens(e0, lengths) * 9 / 10);
}

TEST(BatchSampler, ResumesFromItsState) {
  const auto lengths = iota_lengths(10);
  const BatchSamplerOptions options{.batch_size = 4, .bucket_batches = 2, .seed = 3};
  BatchSampler run(lengths, options);
  std::vector<Indices> seen;
  SamplerState saved;
  for (int i = 0; i < 8; ++i) {  // 3 batches per epoch: crosses two epoch boundaries
    if (i == 4) saved = run.state();
    seen.push_back(run.next());
  }
  EXPECT_EQ(saved, (SamplerState{3, 1, 1}));
  EXPECT_EQ(run.state(), (SamplerState{3, 2, 2}));
  EXPECT_EQ(std::vector<Indices>(seen.begin(), seen.begin() + 3), run.epoch_batches(0));

  BatchSampler resumed(lengths, options);
  resumed.set_state(saved);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(resumed.next(), seen[i]) << i;
  EXPECT_THROW(resumed.set_state({3, 0, 4}), Error);
  EXPECT_THROW(resumed.set_state({3, -1, 0}), Error);
}

}  // namespace
}  // namespace pare
