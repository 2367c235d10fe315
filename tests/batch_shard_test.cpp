// How data-parallel training cuts a micro-batch: balanced contiguous rows, each row as the whole
// batch padded it, shares of rows and tokens that add up to 1, and a stand-in row for a rank left
// without rows.
#include "train/batch_shard.h"

#include <gtest/gtest.h>

#include <numeric>

#include "tests/tiny_training.h"  // tiny_examples

namespace pare {
namespace {

TEST(RankRows, CoverEveryRowOnceInBalancedContiguousRanges) {
  for (const std::int64_t rows : {0, 1, 5, 8, 13}) {
    for (const int ranks : {1, 2, 3, 4}) {
      std::int64_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        const RowRange range = rank_rows(rows, r, ranks);
        EXPECT_EQ(range.begin, next) << rows << " rows, rank " << r << " of " << ranks;
        EXPECT_GE(range.size(), rows / ranks);
        EXPECT_LE(range.size(), rows / ranks + 1);
        next = range.end;
      }
      EXPECT_EQ(next, rows);
    }
  }
  EXPECT_THROW(rank_rows(4, 2, 2), Error);
}

TEST(ShardBatch, KeepsTheWholeBatchsPaddingAndSharesAddUpToOne) {
  const std::vector<TokenizedExample> examples = testing::tiny_examples(5, 3);
  std::vector<std::size_t> indices(examples.size());
  std::iota(indices.begin(), indices.end(), 0);
  const Batch batch = collate(examples, indices, TaskKind::classification, 0);
  double rows = 0, tokens = 0;
  for (int r = 0; r < 3; ++r) {
    const RowRange range = rank_rows(5, r, 3);
    const BatchShard shard = shard_batch(batch, range);
    EXPECT_FALSE(shard.stand_in);
    EXPECT_EQ(shard.batch.input_ids.shape(), (Shape{range.size(), batch.input_ids.size(1)}));
    EXPECT_EQ(shard.batch.input_ids.to_vector<std::int64_t>(),
              batch.input_ids.slice(0, range.begin, range.end).to_vector<std::int64_t>());
    EXPECT_EQ(shard.batch.labels.to_vector<std::int64_t>(),
              batch.labels.slice(0, range.begin, range.end).to_vector<std::int64_t>());
    EXPECT_EQ(shard.batch.indices,
              std::vector<std::size_t>(indices.begin() + range.begin, indices.begin() + range.end));
    std::int64_t own_tokens = 0;
    for (std::int64_t m : shard.batch.attention_mask.to_vector<std::int64_t>()) own_tokens += m;
    std::int64_t all_tokens = 0;
    for (std::int64_t m : batch.attention_mask.to_vector<std::int64_t>()) all_tokens += m;
    EXPECT_DOUBLE_EQ(shard.share.tokens, static_cast<double>(own_tokens) / static_cast<double>(all_tokens));
    EXPECT_DOUBLE_EQ(shard.share.rows, range.size() / 5.0);
    rows += shard.share.rows;
    tokens += shard.share.tokens;
  }
  EXPECT_DOUBLE_EQ(rows, 1.0);
  EXPECT_DOUBLE_EQ(tokens, 1.0);
}

TEST(ShardBatch, ARankWithoutRowsRunsTheFirstRowWithNoShare) {
  const std::vector<TokenizedExample> examples = testing::tiny_examples(2, 3);
  const Batch batch = collate(examples, std::vector<std::size_t>{0, 1}, TaskKind::classification, 0);
  const BatchShard shard = shard_batch(batch, rank_rows(2, 2, 3));
  EXPECT_TRUE(shard.stand_in);
  EXPECT_EQ(shard.share.rows, 0.0);
  EXPECT_EQ(shard.share.tokens, 0.0);
  EXPECT_EQ(shard.batch.input_ids.to_vector<std::int64_t>(), batch.input_ids.slice(0, 0, 1).to_vector<std::int64_t>());
}

}  // namespace
}  // namespace pare
