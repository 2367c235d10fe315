// BertEmbeddings: word + absolute position + token type embeddings, LayerNorm and dropout
// (HF's "embeddings.*" names).
#pragma once

#include <memory>
#include <mutex>

#include "models/bert_config.h"
#include "runtime/nn/dropout.h"
#include "runtime/nn/embedding.h"
#include "runtime/nn/layer_norm.h"
#include "runtime/random.h"

namespace pare {

class BertEmbeddings : public Module {
 public:
  BertEmbeddings(const BertConfig& config, Generator& gen);

  // input_ids and token_type_ids [B, T] (i64 or i32) -> [B, T, hidden]. Positions are 0 .. T-1.
  Tensor forward(const Tensor& input_ids, const Tensor& token_type_ids) const;

  const Embedding& word_embeddings() const { return *word_; }

 private:
  // The word vectors of `input_ids`; as torch.nn.Embedding with padding_idx, pad tokens pass no
  // gradient to the table, so fine-tuning never moves the pad row.
  Tensor lookup_words(const Tensor& input_ids) const;

  std::int64_t pad_token_id_;
  std::shared_ptr<Embedding> word_, position_, token_type_;
  std::shared_ptr<LayerNorm> norm_;
  std::shared_ptr<Dropout> dropout_;
  // 0 .. max_position_embeddings - 1 on the position table's device, made on the first forward there,
  // so a forward sends no position ids to the device. The lock lets forwards on several threads
  // (libpare) share one model.
  mutable std::mutex position_ids_mutex_;
  mutable Tensor position_ids_;
};

}  // namespace pare
