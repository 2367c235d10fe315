// How data-parallel training divides a micro-batch: every rank collates the same micro-batch (one
// sampler and one masking generator, in step on every rank) and keeps its rows, padded as the whole
// micro-batch is, so each row computes what it would in one process.
#pragma once

#include <cstdint>

#include "data/batching.h"
#include "train/training_hook.h"  // BatchShare

namespace pare {

struct RowRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
};

// Rank `rank`'s rows of `rows`: contiguous and balanced, the first rows % ranks ranks taking one more.
RowRange rank_rows(std::int64_t rows, int rank, int ranks);

struct BatchShard {
  Batch batch;       // the rows; the first row as a stand-in when the range is empty
  BatchShare share;  // 0 and 0 for a stand-in
  bool stand_in = false;
};

// Rows `range` of `batch`, and their share of its rows and tokens.
BatchShard shard_batch(const Batch& batch, RowRange range);

}  // namespace pare
