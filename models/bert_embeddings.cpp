#include "models/bert_embeddings.h"

#include <numeric>
#include <vector>

#include "runtime/ops/elementwise.h"
#include "runtime/ops/indexing.h"  // embedding

namespace pare {

BertEmbeddings::BertEmbeddings(const BertConfig& config, Generator& gen) : pad_token_id_(config.pad_token_id) {
  const auto std = static_cast<float>(config.initializer_range);
  word_ =
      register_module("word_embeddings", std::make_shared<Embedding>(config.vocab_size, config.hidden_size, gen, std));
  position_ = register_module(
      "position_embeddings", std::make_shared<Embedding>(config.max_position_embeddings, config.hidden_size, gen, std));
  token_type_ = register_module("token_type_embeddings",
                                std::make_shared<Embedding>(config.type_vocab_size, config.hidden_size, gen, std));
  norm_ = register_module(
      "LayerNorm", std::make_shared<LayerNorm>(config.hidden_size, config.layer_norm_eps, config.layer_norm_size()));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(config.hidden_dropout_prob, gen));
  // HF initialises the pad row to zero.
  word_->weight().slice(0, pad_token_id_, pad_token_id_ + 1).fill_(0.0);
}

Tensor BertEmbeddings::lookup_words(const Tensor& input_ids) const {
  // An int8 table learns nothing, so its pad row needs no care.
  if (word_->is_int8()) return word_->forward(input_ids);
  return embedding(word_->forward_parameter("weight"), input_ids, pad_token_id_);
}

Tensor BertEmbeddings::forward(const Tensor& input_ids, const Tensor& token_type_ids) const {
  check_defined(input_ids, "BertEmbeddings", "input_ids");
  PARE_CHECK(input_ids.dim() == 2, "BertEmbeddings: input_ids must be [batch, seq], got ",
             shape_str(input_ids.shape()));
  PARE_CHECK(token_type_ids.shape() == input_ids.shape(), "BertEmbeddings: token_type_ids of shape ",
             shape_str(token_type_ids.shape()), " must match input_ids ", shape_str(input_ids.shape()));
  const std::int64_t seq = input_ids.size(1);
  PARE_CHECK(seq <= position_->num_embeddings(), "BertEmbeddings: sequence length ", seq,
             " exceeds max_position_embeddings (", position_->num_embeddings(), ")");
  const Device device = position_->weight().device();
  Tensor position_ids;
  {
    const std::lock_guard lock(position_ids_mutex_);
    if (!position_ids_.defined() || position_ids_.device() != device) {
      std::vector<std::int64_t> positions(static_cast<std::size_t>(position_->num_embeddings()));
      std::iota(positions.begin(), positions.end(), 0);
      position_ids_ = Tensor::from_vector(positions, {position_->num_embeddings()}, device);
    }
    position_ids = position_ids_;
  }
  const Tensor position_vectors = position_->forward(position_ids.slice(0, 0, seq));
  // HF's order of additions: (words + token types) + positions.
  const Tensor sum = add(add(lookup_words(input_ids), token_type_->forward(token_type_ids)), position_vectors);
  return dropout_->forward(norm_->forward(sum));
}

}  // namespace pare
