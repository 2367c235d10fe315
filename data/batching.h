// From token ids to training batches: TokenizedExample (what a tokenizer makes of a TextExample),
// collate() (dynamic padding into Tensors) and BatchSampler (which examples form each batch:
// length bucketing and seeded shuffling whose whole state is (seed, epoch, position)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "data/example.h"
#include "runtime/tensor.h"

namespace pare {

struct TokenizedExample {
  std::vector<std::int64_t> input_ids;
  std::vector<std::int64_t> token_type_ids;  // empty: all 0
  std::optional<std::int64_t> label;         // classification
  std::optional<float> score;                // regression
  std::vector<std::int64_t> token_labels;    // tagging: one per input id, kIgnoreLabel where none
  std::optional<std::pair<std::int64_t, std::int64_t>> answer_span;  // question answering: start, end token
};

// Token labels for a tagged sequence: `word_of_token[i]` is the index of the word token i comes
// from, or -1 (special tokens); the first token of each word gets that word's label, every other
// token kIgnoreLabel (-100), so the loss and the metric see each word once.
std::vector<std::int64_t> first_subtoken_labels(std::span<const std::int64_t> word_of_token,
                                                std::span<const std::int64_t> word_labels);

struct Batch {
  Tensor input_ids;       // int64 [B, T], T the longest sequence of the batch, padded with pad_id
  Tensor attention_mask;  // int64 [B, T], 1 on tokens, 0 on padding
  Tensor token_type_ids;  // int64 [B, T], 0 on padding
  // classification: int64 [B]; regression: f32 [B]; tagging: int64 [B, T] with kIgnoreLabel on
  // padding; answer spans: int64 [B, 2], start and end. Undefined when the examples carry no labels
  // (test sets).
  Tensor labels;
  std::vector<std::size_t> indices;  // the examples of rows 0 .. B-1
};

// Pads examples[indices] into a batch. Either every chosen example carries the label `kind`
// needs or none does; anything inconsistent (empty sequence, token types or token labels of
// another length, an index out of range) throws pare::Error naming the example index.
Batch collate(std::span<const TokenizedExample> examples, std::span<const std::size_t> indices, TaskKind kind,
              std::int64_t pad_id = 0);

struct SamplerState {
  std::uint64_t seed = 0;
  std::int64_t epoch = 0;
  std::int64_t position = 0;  // batches of `epoch` already handed out
  bool operator==(const SamplerState&) const = default;
};

struct BatchSamplerOptions {
  std::size_t batch_size = 32;
  bool shuffle = true;
  // Length bucketing: the epoch's order is cut into windows of this many batches and each window
  // sorted by length (longest first), so a batch holds similar lengths; 0 or 1 turns it off.
  std::size_t bucket_batches = 0;
  bool drop_last = false;  // leave out a last batch smaller than batch_size
  std::uint64_t seed = 0;
};

// An epoch's batches are a pure function of (lengths, options, seed, epoch): with shuffling, the
// examples are permuted (Fisher-Yates on a splitmix64 stream of seed and epoch), bucketed, and the
// batches' order permuted again so long and short batches mix; without, examples keep their order
// (bucketing still sorts within windows). The same numbers on every platform.
class BatchSampler {
 public:
  BatchSampler(std::vector<std::size_t> lengths, BatchSamplerOptions options);

  std::size_t num_examples() const { return lengths_.size(); }
  std::size_t batches_per_epoch() const;
  std::vector<std::vector<std::size_t>> epoch_batches(std::int64_t epoch) const;

  // The batch at the current position; after an epoch's last batch the next epoch begins.
  std::vector<std::size_t> next();

  SamplerState state() const { return state_; }
  // Continues from a saved state; throws when the position lies past the epoch's end.
  void set_state(const SamplerState& state);

 private:
  const std::vector<std::vector<std::size_t>>& current_epoch();

  std::vector<std::size_t> lengths_;
  BatchSamplerOptions options_;
  SamplerState state_;
  std::optional<SamplerState> cached_for_;  // seed and epoch of cached_
  std::vector<std::vector<std::size_t>> cached_;
};

}  // namespace pare
