#include "models/bert_heads.h"

#include <algorithm>
#include <vector>

#include "runtime/ops/elementwise.h"  // add, scale
#include "runtime/ops/indexing.h"     // index_select
#include "runtime/ops/loss.h"         // cross_entropy, mse_loss
#include "runtime/ops/matmul.h"       // linear

namespace pare {
namespace {

Tensor class_labels(const Tensor& labels, const Shape& expected, const char* model) {
  PARE_CHECK(labels.shape() == expected, model, ": labels of shape ", shape_str(labels.shape()), " must be ",
             shape_str(expected));
  PARE_CHECK(labels.dtype() == DType::i64 || labels.dtype() == DType::i32, model,
             ": class labels must be int64 or int32, got ", dtype_name(labels.dtype()));
  return labels.to(DType::i64);
}

// Cross-entropy of logits [..., C] against labels [...] with -100 ignored. The kernel checks the
// labels against the class count on the device; its error is given the model's name.
Tensor token_loss(const Tensor& logits, const Tensor& labels, const char* model) {
  const std::int64_t classes = logits.size(-1);
  try {
    return cross_entropy(logits.reshape({-1, classes}), labels.reshape({-1}), -100);
  } catch (const Error& e) {
    throw Error(std::string(model) + " labels: " + e.what());
  }
}

}  // namespace

BertHead::BertHead(BertConfig config, std::uint64_t seed, bool add_pooling_layer)
    : bert_(register_module("bert", std::make_shared<BertModel>(std::move(config), seed, add_pooling_layer))) {}

BertClassifierHead::BertClassifierHead(BertConfig config, std::uint64_t seed, bool add_pooling_layer)
    : BertHead(std::move(config), seed, add_pooling_layer) {
  const BertConfig& c = bert_->model_config();
  dropout_ = register_module("dropout", std::make_shared<Dropout>(c.classifier_dropout_prob(), bert_->generator()));
  classifier_ =
      register_module("classifier", std::make_shared<Linear>(c.hidden_size, c.num_labels(), bert_->generator(), true,
                                                             static_cast<float>(c.initializer_range)));
}

Tensor BertClassifierHead::classify(const Tensor& features) const {
  return classifier_->forward(dropout_->forward(features));
}

BertForSequenceClassification::BertForSequenceClassification(BertConfig config, std::uint64_t seed)
    : BertClassifierHead(std::move(config), seed, /*add_pooling_layer=*/true) {}

bool BertForSequenceClassification::is_regression() const {
  const BertConfig& c = config();
  return c.problem_type == "regression" || (c.problem_type.empty() && c.num_labels() == 1);
}

BertOutputs BertForSequenceClassification::forward(const BertInputs& inputs, const Tensor& labels) const {
  BertOutputs out = bert_->forward(inputs);
  out.logits = classify(out.pooler_output);
  if (!labels.defined()) return out;
  const std::int64_t batch = out.logits.size(0);
  const char* model = "BertForSequenceClassification";
  if (is_regression()) {
    PARE_CHECK(labels.numel() == batch && is_floating(labels.dtype()), model,
               ": regression labels must be float [batch] (", batch, "), got ", dtype_name(labels.dtype()), " ",
               shape_str(labels.shape()));
    out.loss = mse_loss(out.logits.reshape({batch}), labels.to(DType::f32).reshape({batch}));
    return out;
  }
  PARE_CHECK(config().problem_type != "multi_label_classification" && !is_floating(labels.dtype()), model,
             ": multi-label classification (float labels, binary cross-entropy) is not implemented");
  out.loss = token_loss(out.logits, class_labels(labels, {batch}, model), model);
  return out;
}

BertForTokenClassification::BertForTokenClassification(BertConfig config, std::uint64_t seed)
    : BertClassifierHead(std::move(config), seed, /*add_pooling_layer=*/false) {}

BertOutputs BertForTokenClassification::forward(const BertInputs& inputs, const Tensor& labels) const {
  BertOutputs out = bert_->forward(inputs);
  out.logits = classify(out.last_hidden_state);
  if (labels.defined()) {
    const char* model = "BertForTokenClassification";
    out.loss = token_loss(out.logits, class_labels(labels, inputs.input_ids.shape(), model), model);
  }
  return out;
}

BertForQuestionAnswering::BertForQuestionAnswering(BertConfig config, std::uint64_t seed)
    : BertHead(std::move(config), seed, /*add_pooling_layer=*/false) {
  const BertConfig& c = bert_->model_config();
  PARE_CHECK(c.num_labels() == 2, "BertForQuestionAnswering: config.json has ", c.num_labels(),
             " labels; question answering has two outputs per token (start and end)");
  qa_outputs_ = register_module("qa_outputs", std::make_shared<Linear>(c.hidden_size, 2, bert_->generator(), true,
                                                                       static_cast<float>(c.initializer_range)));
}

namespace {

Tensor channel(const Tensor& logits, std::int64_t c) {
  PARE_CHECK(logits.dim() == 3 && logits.size(2) == 2, "question answering logits must be [batch, tokens, 2], got ",
             shape_str(logits.shape()));
  return index_select(logits, 2, Tensor::from_vector(std::vector<std::int64_t>{c}, {1}, logits.device()))
      .reshape({logits.size(0), logits.size(1)});
}

}  // namespace

Tensor BertForQuestionAnswering::start_logits(const Tensor& logits) { return channel(logits, 0); }
Tensor BertForQuestionAnswering::end_logits(const Tensor& logits) { return channel(logits, 1); }

BertOutputs BertForQuestionAnswering::forward(const BertInputs& inputs, const Tensor& labels) const {
  BertOutputs out = bert_->forward(inputs);
  out.logits = qa_outputs_->forward(out.last_hidden_state);
  if (!labels.defined()) return out;
  const char* model = "BertForQuestionAnswering";
  const std::int64_t batch = out.logits.size(0), tokens = out.logits.size(1);
  const std::vector<std::int64_t> positions = class_labels(labels, {batch, 2}, model).to_vector<std::int64_t>();
  // Column `which` of the positions, clamped to [0, T]: T is the ignored index.
  auto targets = [&](std::size_t which) {
    std::vector<std::int64_t> out_of(static_cast<std::size_t>(batch));
    for (std::size_t b = 0; b < out_of.size(); ++b)
      out_of[b] = std::clamp<std::int64_t>(positions[2 * b + which], 0, tokens);
    return Tensor::from_vector(out_of, {batch}, out.logits.device());
  };
  auto loss_of = [&](const Tensor& logits, std::size_t which) { return cross_entropy(logits, targets(which), tokens); };
  out.loss = scale(add(loss_of(start_logits(out.logits), 0), loss_of(end_logits(out.logits), 1)), 0.5);
  return out;
}

BertForMaskedLM::BertForMaskedLM(BertConfig config, std::uint64_t seed)
    : BertHead(std::move(config), seed, /*add_pooling_layer=*/false) {
  const BertConfig& c = bert_->model_config();
  PARE_CHECK(!c.quantization || !c.quantization->word_embeddings,
             "BertForMaskedLM: config.json's \"quantization\" has int8 word embeddings, which the masked-LM "
             "decoder shares; an int8 masked-LM model keeps them f32 (\"word_embeddings\": \"f32\")");
  auto predictions =
      register_module("cls", std::make_shared<Module>())->register_module("predictions", std::make_shared<Module>());
  predictions->register_parameter("bias", Tensor::zeros({c.vocab_size}));
  auto transform = predictions->register_module("transform", std::make_shared<Module>());
  transform_dense_ =
      transform->register_module("dense", std::make_shared<Linear>(c.hidden_size, c.hidden_size, bert_->generator(),
                                                                   true, static_cast<float>(c.initializer_range)));
  transform_norm_ = transform->register_module(
      "LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps, c.layer_norm_size()));
}

BertOutputs BertForMaskedLM::forward(const BertInputs& inputs, const Tensor& labels) const {
  const char* model = "BertForMaskedLM";
  BertOutputs out = bert_->forward(inputs);
  Tensor states = out.last_hidden_state;
  Tensor targets;
  if (labels.defined()) targets = class_labels(labels, inputs.input_ids.shape(), model);
  if (labelled_only_ && targets.defined() && targets.device().is_cpu()) {
    const std::vector<std::int64_t> all = targets.to_vector<std::int64_t>();
    std::vector<std::int64_t> rows, kept;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i] != -100) rows.push_back(static_cast<std::int64_t>(i)), kept.push_back(all[i]);
    }
    if (!rows.empty()) {
      const auto n = static_cast<std::int64_t>(rows.size());
      states = index_select(states.reshape({-1, states.size(-1)}), 0, Tensor::from_vector(rows, {n}));
      targets = Tensor::from_vector(kept, {n});
    }
  }
  const Tensor transformed =
      transform_norm_->forward(apply_activation(transform_dense_->forward(states), config().activation()));
  const Module& predictions = *child("cls")->child("predictions");
  out.logits = linear(transformed, bert_->embeddings().word_embeddings().forward_parameter("weight"),
                      predictions.forward_parameter("bias"));
  if (targets.defined()) out.loss = token_loss(out.logits, targets, model);
  return out;
}

std::shared_ptr<BertTaskModel> make_bert_model(const BertConfig& config, BertTask task, std::uint64_t seed) {
  switch (task) {
    case BertTask::base:
      return std::make_shared<BertModel>(config, seed);
    case BertTask::sequence_classification:
      return std::make_shared<BertForSequenceClassification>(config, seed);
    case BertTask::token_classification:
      return std::make_shared<BertForTokenClassification>(config, seed);
    case BertTask::question_answering:
      return std::make_shared<BertForQuestionAnswering>(config, seed);
    case BertTask::masked_lm:
      return std::make_shared<BertForMaskedLM>(config, seed);
  }
  throw Error("make_bert_model: unknown task");
}

}  // namespace pare
