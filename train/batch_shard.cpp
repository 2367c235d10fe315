#include "train/batch_shard.h"

#include <algorithm>
#include <utility>

#include "runtime/error.h"

namespace pare {
namespace {

std::int64_t token_count(const Tensor& attention_mask, RowRange range) {
  const Tensor mask = attention_mask.contiguous();
  const std::int64_t* data = mask.data<std::int64_t>();
  const std::int64_t width = mask.size(1);
  std::int64_t count = 0;
  for (std::int64_t i = range.begin * width; i < range.end * width; ++i) count += data[i] != 0;
  return count;
}

}  // namespace

RowRange rank_rows(std::int64_t rows, int rank, int ranks) {
  PARE_CHECK(ranks >= 1 && rank >= 0 && rank < ranks, "rank_rows: rank ", rank, " of ", ranks);
  const std::int64_t base = rows / ranks;
  const std::int64_t extra = rows % ranks;
  const std::int64_t begin = rank * base + std::min<std::int64_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

BatchShard shard_batch(const Batch& batch, RowRange range) {
  const std::int64_t rows = batch.input_ids.size(0);
  PARE_CHECK(range.begin >= 0 && range.begin <= range.end && range.end <= rows, "shard_batch: rows ", range.begin, "..",
             range.end, " of a batch of ", rows);
  PARE_CHECK(rows >= 1, "shard_batch: an empty batch");
  BatchShard shard;
  shard.stand_in = range.size() == 0;
  const RowRange taken = shard.stand_in ? RowRange{0, 1} : range;
  for (auto [from, to] : {std::pair{&batch.input_ids, &shard.batch.input_ids},
                          {&batch.attention_mask, &shard.batch.attention_mask},
                          {&batch.token_type_ids, &shard.batch.token_type_ids},
                          {&batch.labels, &shard.batch.labels}}) {
    if (from->defined()) *to = from->slice(0, taken.begin, taken.end).contiguous();
  }
  shard.batch.indices.assign(batch.indices.begin() + taken.begin, batch.indices.begin() + taken.end);
  if (shard.stand_in) {
    shard.share = {0.0, 0.0};
  } else {
    const std::int64_t tokens = token_count(batch.attention_mask, {0, rows});
    shard.share.rows = static_cast<double>(range.size()) / static_cast<double>(rows);
    shard.share.tokens =
        tokens > 0 ? static_cast<double>(token_count(batch.attention_mask, range)) / static_cast<double>(tokens) : 0.0;
  }
  return shard;
}

}  // namespace pare
