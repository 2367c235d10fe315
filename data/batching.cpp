#include "data/batching.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "runtime/error.h"

namespace pare {
namespace {

// splitmix64: a tiny, well-mixed generator whose output is fixed by its definition, unlike the
// distributions of <random>, which differ between standard libraries.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t state) : state_(state) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) without modulo bias (rejects the top partial range).
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (true) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  std::uint64_t state_;
};

// Independent streams for (seed, epoch, purpose).
SplitMix64 stream(std::uint64_t seed, std::int64_t epoch, std::uint64_t purpose) {
  SplitMix64 mix(seed);
  const std::uint64_t a = mix.next() ^ static_cast<std::uint64_t>(epoch);
  SplitMix64 mix2(a);
  return SplitMix64(mix2.next() ^ (purpose * 0xD1B54A32D192ED03ull));
}

template <typename T>
void shuffle(std::vector<T>& items, SplitMix64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

std::string where(std::size_t index) { return "collate: example " + std::to_string(index) + ": "; }

}  // namespace

std::vector<std::int64_t> first_subtoken_labels(std::span<const std::int64_t> word_of_token,
                                                std::span<const std::int64_t> word_labels) {
  std::vector<std::int64_t> labels(word_of_token.size(), kIgnoreLabel);
  std::int64_t previous = -1;
  for (std::size_t i = 0; i < word_of_token.size(); ++i) {
    const std::int64_t word = word_of_token[i];
    PARE_CHECK(word >= -1 && word < static_cast<std::int64_t>(word_labels.size()), "token ", i, " belongs to word ",
               word, " of ", word_labels.size());
    if (word >= 0 && word != previous) labels[i] = word_labels[static_cast<std::size_t>(word)];
    previous = word;
  }
  return labels;
}

Batch collate(std::span<const TokenizedExample> examples, std::span<const std::size_t> indices, TaskKind kind,
              std::int64_t pad_id) {
  PARE_CHECK(!indices.empty(), "collate: empty batch");
  std::size_t longest = 0;
  std::size_t labelled = 0;
  for (const std::size_t index : indices) {
    PARE_CHECK(index < examples.size(), "collate: example index ", index, " out of range (", examples.size(),
               " examples)");
    const TokenizedExample& ex = examples[index];
    const std::size_t n = ex.input_ids.size();
    PARE_CHECK(n > 0, where(index), "no tokens");
    PARE_CHECK(ex.token_type_ids.empty() || ex.token_type_ids.size() == n, where(index), ex.token_type_ids.size(),
               " token types for ", n, " tokens");
    bool has_label = false;
    switch (kind) {
      case TaskKind::classification:
        has_label = ex.label.has_value();
        break;
      case TaskKind::regression:
        has_label = ex.score.has_value();
        break;
      case TaskKind::tagging:
        has_label = !ex.token_labels.empty();
        PARE_CHECK(!has_label || ex.token_labels.size() == n, where(index), ex.token_labels.size(),
                   " token labels for ", n, " tokens");
        break;
      case TaskKind::answer_span:
        has_label = ex.answer_span.has_value();
        PARE_CHECK(!has_label || (ex.answer_span->first >= 0 && ex.answer_span->first <= ex.answer_span->second &&
                                  ex.answer_span->second < static_cast<std::int64_t>(n)),
                   where(index), "answer span [", has_label ? ex.answer_span->first : 0, ", ",
                   has_label ? ex.answer_span->second : 0, "] outside its ", n, " tokens");
        break;
    }
    labelled += has_label;
    longest = std::max(longest, n);
  }
  PARE_CHECK(labelled == 0 || labelled == indices.size(), "collate: ", labelled, " of ", indices.size(),
             " examples carry labels; a batch is all labelled or all unlabelled");

  const auto B = static_cast<std::int64_t>(indices.size());
  const auto T = static_cast<std::int64_t>(longest);
  std::vector<std::int64_t> ids(B * T, pad_id), mask(B * T, 0), types(B * T, 0);
  std::vector<std::int64_t> class_labels, token_labels;
  std::vector<float> scores;
  if (kind == TaskKind::tagging && labelled) token_labels.assign(B * T, kIgnoreLabel);
  for (std::size_t row = 0; row < indices.size(); ++row) {
    const TokenizedExample& ex = examples[indices[row]];
    const std::size_t base = row * longest;
    std::copy(ex.input_ids.begin(), ex.input_ids.end(), ids.begin() + base);
    std::fill_n(mask.begin() + base, ex.input_ids.size(), 1);
    std::copy(ex.token_type_ids.begin(), ex.token_type_ids.end(), types.begin() + base);
    if (!labelled) continue;
    if (kind == TaskKind::classification) class_labels.push_back(*ex.label);
    if (kind == TaskKind::regression) scores.push_back(*ex.score);
    if (kind == TaskKind::tagging)
      std::copy(ex.token_labels.begin(), ex.token_labels.end(), token_labels.begin() + base);
    if (kind == TaskKind::answer_span) {
      class_labels.push_back(ex.answer_span->first);
      class_labels.push_back(ex.answer_span->second);
    }
  }

  Batch batch;
  batch.input_ids = Tensor::from_vector(ids, {B, T});
  batch.attention_mask = Tensor::from_vector(mask, {B, T});
  batch.token_type_ids = Tensor::from_vector(types, {B, T});
  if (labelled) {
    if (kind == TaskKind::classification) batch.labels = Tensor::from_vector(class_labels, {B});
    if (kind == TaskKind::regression) batch.labels = Tensor::from_vector(scores, {B});
    if (kind == TaskKind::tagging) batch.labels = Tensor::from_vector(token_labels, {B, T});
    if (kind == TaskKind::answer_span) batch.labels = Tensor::from_vector(class_labels, {B, 2});
  }
  batch.indices.assign(indices.begin(), indices.end());
  return batch;
}

BatchSampler::BatchSampler(std::vector<std::size_t> lengths, BatchSamplerOptions options)
    : lengths_(std::move(lengths)), options_(options) {
  PARE_CHECK(options_.batch_size > 0, "BatchSampler: batch size must be positive");
  PARE_CHECK(!lengths_.empty(), "BatchSampler: no examples");
  PARE_CHECK(!options_.drop_last || lengths_.size() >= options_.batch_size, "BatchSampler: ", lengths_.size(),
             " examples make no full batch of ", options_.batch_size, " and drop_last is set");
  state_.seed = options_.seed;
}

std::size_t BatchSampler::batches_per_epoch() const {
  const std::size_t n = lengths_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<std::vector<std::size_t>> BatchSampler::epoch_batches(std::int64_t epoch) const {
  const std::size_t b = options_.batch_size;
  std::vector<std::size_t> order(lengths_.size());
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffle) {
    SplitMix64 rng = stream(state_.seed, epoch, 1);
    shuffle(order, rng);
  }
  if (options_.bucket_batches > 1) {
    const std::size_t window = options_.bucket_batches * b;
    for (std::size_t start = 0; start < order.size(); start += window) {
      const auto first = order.begin() + static_cast<std::ptrdiff_t>(start);
      const auto last = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + window));
      std::stable_sort(first, last, [&](std::size_t x, std::size_t y) { return lengths_[x] > lengths_[y]; });
    }
  }
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t start = 0; start < order.size(); start += b) {
    const std::size_t end = std::min(order.size(), start + b);
    if (end - start < b && options_.drop_last) break;
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                         order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  if (options_.shuffle) {
    SplitMix64 rng = stream(state_.seed, epoch, 2);
    shuffle(batches, rng);
  }
  return batches;
}

const std::vector<std::vector<std::size_t>>& BatchSampler::current_epoch() {
  if (!cached_for_ || cached_for_->seed != state_.seed || cached_for_->epoch != state_.epoch) {
    cached_ = epoch_batches(state_.epoch);
    cached_for_ = state_;
  }
  return cached_;
}

std::vector<std::size_t> BatchSampler::next() {
  if (static_cast<std::size_t>(state_.position) >= batches_per_epoch()) {
    ++state_.epoch;
    state_.position = 0;
  }
  return current_epoch()[static_cast<std::size_t>(state_.position++)];
}

void BatchSampler::set_state(const SamplerState& state) {
  PARE_CHECK(state.epoch >= 0 && state.position >= 0 && static_cast<std::size_t>(state.position) <= batches_per_epoch(),
             "BatchSampler: cannot resume at epoch ", state.epoch, " batch ", state.position, " (", batches_per_epoch(),
             " batches per epoch)");
  state_ = state;
}

}  // namespace pare
