// Task heads on BertModel with HF's names ("bert." prefix): sequence classification and regression,
// token classification, extractive question answering, and masked LM with the decoder tied to the
// word embeddings.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/bert.h"

namespace pare {

// What every head shares: the encoder registered as "bert", so its names carry HF's "bert." prefix.
class BertHead : public BertTaskModel {
 public:
  BertModel& bert() const override { return *bert_; }
  std::string bert_prefix() const override { return "bert."; }

 protected:
  BertHead(BertConfig config, std::uint64_t seed, bool add_pooling_layer);

  std::shared_ptr<BertModel> bert_;
};

// HF's classification heads: "dropout" (classifier_dropout) then "classifier" to num_labels, with
// weights drawn from the encoder's generator after the encoder's own.
class BertClassifierHead : public BertHead {
 protected:
  BertClassifierHead(BertConfig config, std::uint64_t seed, bool add_pooling_layer);

  // Logits of `features` [..., hidden].
  Tensor classify(const Tensor& features) const;

 private:
  std::shared_ptr<Dropout> dropout_;
  std::shared_ptr<Linear> classifier_;
};

// dropout(pooler_output) -> "classifier". Loss: cross-entropy for single-label classification, MSE
// when num_labels == 1 or problem_type is "regression"; multi-label classification is refused.
class BertForSequenceClassification : public BertClassifierHead {
 public:
  explicit BertForSequenceClassification(BertConfig config, std::uint64_t seed = 0);

  // labels: i64 [B] class ids, or f32 [B] targets for regression.
  BertOutputs forward(const BertInputs& inputs, const Tensor& labels = Tensor()) const override;
  BertTask task() const override { return BertTask::sequence_classification; }
  bool is_regression() const;
};

// dropout(last_hidden_state) -> "classifier" per token; cross-entropy over labels != -100.
class BertForTokenClassification : public BertClassifierHead {
 public:
  explicit BertForTokenClassification(BertConfig config, std::uint64_t seed = 0);

  // labels: i64 [B, T], -100 where no loss is taken (padding, word continuations).
  BertOutputs forward(const BertInputs& inputs, const Tensor& labels = Tensor()) const override;
  BertTask task() const override { return BertTask::token_classification; }
};

// HF's extractive question answering: "qa_outputs" [2, hidden] on every token of the encoder (no
// pooler, no dropout); logits [B, T, 2], start then end. start_logits/end_logits split them.
class BertForQuestionAnswering : public BertHead {
 public:
  explicit BertForQuestionAnswering(BertConfig config, std::uint64_t seed = 0);

  // labels: i64 [B, 2], each example's start and end token positions. As HF does, positions are
  // clamped to [0, T] and T is ignored (an answer cut off by truncation teaches nothing); the loss
  // is the mean of the start and end cross-entropies.
  BertOutputs forward(const BertInputs& inputs, const Tensor& labels = Tensor()) const override;
  BertTask task() const override { return BertTask::question_answering; }

  // The start (channel 0) or end (channel 1) logits of `logits` [B, T, 2]: [B, T].
  static Tensor start_logits(const Tensor& logits);
  static Tensor end_logits(const Tensor& logits);

 private:
  std::shared_ptr<Linear> qa_outputs_;
};

// "cls.predictions.transform.{dense,LayerNorm}" with the activation, then the decoder whose weight
// is the word embedding table and whose bias is "cls.predictions.bias". Logits [B, T, vocab].
class BertForMaskedLM : public BertHead {
 public:
  explicit BertForMaskedLM(BertConfig config, std::uint64_t seed = 0);

  // labels: i64 [B, T] token ids, -100 at positions that were not masked.
  BertOutputs forward(const BertInputs& inputs, const Tensor& labels = Tensor()) const override;
  BertTask task() const override { return BertTask::masked_lm; }

  // Pretraining: with labels in host memory, the transform and the vocabulary projection run on the
  // labelled rows alone (about 15% of the tokens; the projection to the vocabulary is the largest
  // product of a small model), and logits holds those rows, [labelled, vocab]. The loss and every
  // gradient are those of the full computation, whose other rows the loss ignores.
  void set_predict_labelled_only(bool on) { labelled_only_ = on; }

 private:
  bool labelled_only_ = false;
  std::shared_ptr<Linear> transform_dense_;
  std::shared_ptr<LayerNorm> transform_norm_;
};

// A freshly initialised model of `task`.
std::shared_ptr<BertTaskModel> make_bert_model(const BertConfig& config, BertTask task, std::uint64_t seed = 0);

}  // namespace pare
