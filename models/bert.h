// BertModel (embeddings, encoder, pooler) and BertTaskModel, the interface BertModel and the task
// heads share so checkpoints, the CLI and training handle any of them alike.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/bert_config.h"
#include "models/bert_embeddings.h"
#include "models/bert_layer.h"
#include "runtime/nn/module.h"
#include "runtime/random.h"

namespace pare {

// int64 (or int32) [B, T]; attention_mask (1 = token, 0 = padding) defaults to all ones and
// token_type_ids to all zeros, as in HF.
struct BertInputs {
  Tensor input_ids;
  Tensor attention_mask;
  Tensor token_type_ids;
};

// As HF defines them: hidden_states[0] is the embeddings output, hidden_states[i] layer i's output,
// last_hidden_state == hidden_states.back(); pooler_output is tanh(dense(first token)) and is
// undefined for models without a pooler; logits and loss come from heads (loss only with labels).
struct BertOutputs {
  Tensor last_hidden_state;
  Tensor pooler_output;
  std::vector<Tensor> hidden_states;
  Tensor logits;
  Tensor loss;
};

enum class BertTask { base, sequence_classification, token_classification, question_answering, masked_lm };

// "BertModel", "BertForSequenceClassification", "BertForTokenClassification", "BertForMaskedLM".
std::string architecture_name(BertTask task);
// The task of the first architecture HF names in config.json (BertForPreTraining reads as masked
// LM); base when there is none. Throws for other architectures.
BertTask task_from_architectures(const std::vector<std::string>& architectures, const std::string& source);

class BertModel;

class BertTaskModel : public Module {
 public:
  // `labels`: class ids [B] (i64) for sequence classification, f32 [B] for regression, token ids
  // or labels [B, T] with -100 for ignored positions for token heads; undefined for no loss.
  virtual BertOutputs forward(const BertInputs& inputs, const Tensor& labels = Tensor()) const = 0;
  virtual BertModel& bert() const = 0;
  virtual BertTask task() const = 0;
  // Dotted prefix of the encoder's names in this model: "" for BertModel, "bert." for heads.
  virtual std::string bert_prefix() const = 0;
  const BertConfig& config() const;
};

class BertModel : public BertTaskModel {
 public:
  // Initialised as HF initialises BERT (normal(0, initializer_range), LayerNorm ones and zeros,
  // zero pad row), drawing from a generator seeded with `seed` that dropout then uses. With
  // config.quantization the modules it names are int8 (zeros, to load an int8 directory into).
  explicit BertModel(BertConfig config, std::uint64_t seed = 0, bool add_pooling_layer = true);

  BertOutputs forward(const BertInputs& inputs, const Tensor& labels = Tensor()) const override;
  BertModel& bert() const override { return const_cast<BertModel&>(*this); }
  BertTask task() const override { return BertTask::base; }
  std::string bert_prefix() const override { return ""; }

  const BertConfig& model_config() const { return config_; }
  // Shared by every dropout of the model and its heads; its (seed, offset) is the random state a
  // training checkpoint saves.
  Generator& generator() const { return *gen_; }
  bool has_pooler() const { return pooler_ != nullptr; }
  const BertEmbeddings& embeddings() const { return *embeddings_; }
  std::size_t num_layers() const { return layers_->size(); }

 private:
  void use_int8_layout();

  BertConfig config_;
  std::unique_ptr<Generator> gen_;
  std::shared_ptr<BertEmbeddings> embeddings_;
  std::shared_ptr<ModuleList<BertLayer>> layers_;
  std::shared_ptr<Linear> pooler_;  // "pooler.dense"; null without a pooler
};

// The checked inputs with HF's defaults filled in: input_ids i64 [B, T], attention_mask and
// token_type_ids i64 [B, T].
BertInputs complete_inputs(const BertInputs& inputs);

}  // namespace pare
