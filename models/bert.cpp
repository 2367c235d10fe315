#include "models/bert.h"

#include "runtime/error.h"
#include "runtime/host_memory.h"
#include "runtime/nn/embedding.h"
#include "runtime/ops/activation.h"  // tanh
#include "runtime/ops/masking.h"     // additive_attention_mask

namespace pare {

std::string architecture_name(BertTask task) {
  switch (task) {
    case BertTask::base:
      return "BertModel";
    case BertTask::sequence_classification:
      return "BertForSequenceClassification";
    case BertTask::token_classification:
      return "BertForTokenClassification";
    case BertTask::question_answering:
      return "BertForQuestionAnswering";
    case BertTask::masked_lm:
      return "BertForMaskedLM";
  }
  throw Error("architecture_name: unknown task");
}

BertTask task_from_architectures(const std::vector<std::string>& architectures, const std::string& source) {
  if (architectures.empty()) return BertTask::base;
  const std::string& name = architectures.front();
  for (BertTask task : {BertTask::base, BertTask::sequence_classification, BertTask::token_classification,
                        BertTask::question_answering, BertTask::masked_lm}) {
    if (name == architecture_name(task)) return task;
  }
  if (name == "BertForPreTraining") return BertTask::masked_lm;
  throw Error(source + ": field \"architectures\" names \"" + name +
              "\"; pare knows BertModel, BertForSequenceClassification, BertForTokenClassification, "
              "BertForQuestionAnswering, BertForMaskedLM and BertForPreTraining");
}

const BertConfig& BertTaskModel::config() const { return bert().model_config(); }

BertModel::BertModel(BertConfig config, std::uint64_t seed, bool add_pooling_layer)
    : config_(std::move(config)), gen_(std::make_unique<Generator>(seed)) {
  config_.validate();
  // Before any allocation: a config asking for more than the machine holds is an error naming its
  // sizes, not std::bad_alloc or the out-of-memory killer half way through.
  const double parameters = config_.parameter_count();
  const double bytes = parameters * sizeof(float);
  PARE_CHECK(bytes <= static_cast<double>(host_memory_bytes()), "the model's config (vocab_size ", config_.vocab_size,
             ", hidden_size ", config_.hidden_size, ", num_hidden_layers ", config_.num_hidden_layers,
             ", intermediate_size ", config_.intermediate_size, ", max_position_embeddings ",
             config_.max_position_embeddings, ", ", config_.num_labels(), " labels) makes about ", parameters,
             " parameters, ", format_bytes(bytes), " in f32, more than this machine's ",
             format_bytes(static_cast<double>(host_memory_bytes())), " of memory");
  embeddings_ = register_module("embeddings", std::make_shared<BertEmbeddings>(config_, *gen_));
  auto encoder = register_module("encoder", std::make_shared<Module>());
  layers_ = encoder->register_module("layer", std::make_shared<ModuleList<BertLayer>>());
  for (const BertLayerShape& shape : config_.layer_shapes)
    layers_->push_back(std::make_shared<BertLayer>(config_, shape, *gen_));
  if (add_pooling_layer) {
    auto pooler = register_module("pooler", std::make_shared<Module>());
    pooler_ =
        pooler->register_module("dense", std::make_shared<Linear>(config_.hidden_size, config_.hidden_size, *gen_, true,
                                                                  static_cast<float>(config_.initializer_range)));
  }
  if (config_.quantization) use_int8_layout();
}

void BertModel::use_int8_layout() {
  const BertQuantization& q = *config_.quantization;
  for (const auto& [name, module] : named_modules()) {
    if (!q.quantizes(name)) continue;
    if (auto* linear = dynamic_cast<Linear*>(module)) {
      linear->set_int8(Tensor::zeros(linear->weight().shape(), DType::i8), Tensor::ones({linear->out_features()}));
    } else if (auto* table = dynamic_cast<Embedding*>(module)) {
      table->set_int8(Tensor::zeros(table->weight().shape(), DType::i8), Tensor::ones({table->num_embeddings()}));
    }
  }
}

BertInputs complete_inputs(const BertInputs& inputs) {
  const Tensor& ids = inputs.input_ids;
  check_defined(ids, "BertModel", "input_ids");
  PARE_CHECK(ids.dim() == 2 && ids.size(0) > 0 && ids.size(1) > 0,
             "BertModel: input_ids must be [batch, seq], got shape ", shape_str(ids.shape()));
  auto checked = [&](const Tensor& t, const char* name, double fill) {
    if (!t.defined()) return Tensor::full(ids.shape(), fill, DType::i64, ids.device());
    PARE_CHECK(t.shape() == ids.shape(), "BertModel: ", name, " of shape ", shape_str(t.shape()),
               " must match input_ids of shape ", shape_str(ids.shape()));
    PARE_CHECK(t.dtype() == DType::i64 || t.dtype() == DType::i32, "BertModel: ", name, " must be int64 or int32, got ",
               dtype_name(t.dtype()));
    return t.to(DType::i64);
  };
  PARE_CHECK(ids.dtype() == DType::i64 || ids.dtype() == DType::i32,
             "BertModel: input_ids must be int64 or int32, got ", dtype_name(ids.dtype()));
  return BertInputs{ids.to(DType::i64), checked(inputs.attention_mask, "attention_mask", 1.0),
                    checked(inputs.token_type_ids, "token_type_ids", 0.0)};
}

BertOutputs BertModel::forward(const BertInputs& raw_inputs, const Tensor& labels) const {
  PARE_CHECK(!labels.defined(), "BertModel: labels given to a model without a head");
  const BertInputs inputs = complete_inputs(raw_inputs);
  const Tensor mask = additive_attention_mask(inputs.attention_mask);
  BertOutputs out;
  out.hidden_states.push_back(embeddings_->forward(inputs.input_ids, inputs.token_type_ids));
  for (std::size_t i = 0; i < layers_->size(); ++i) {
    out.hidden_states.push_back((*layers_)[i]->forward(out.hidden_states.back(), mask));
  }
  out.last_hidden_state = out.hidden_states.back();
  if (pooler_) {
    const Tensor first = out.last_hidden_state.slice(1, 0, 1).reshape({inputs.input_ids.size(0), config_.hidden_size});
    out.pooler_output = tanh(pooler_->forward(first));
  }
  return out;
}

}  // namespace pare
