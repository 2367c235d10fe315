// Int8 models (kernels/int8.h, config.json "quantization"): quantize_model makes the int8 form of an
// f32 model, what `pare quantize` writes. Every linear layer of the encoder and the pooler gets int8
// weights with one scale per output channel, the word embeddings one scale per row (unless a
// masked-LM decoder shares them); LayerNorm, biases, position and token-type embeddings and the task
// head stay f32. Loading an int8 directory needs nothing from here: BertModel builds the layout its
// config names and load_pretrained fills it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/bert_heads.h"

namespace pare {

struct QuantizeOptions {
  // Modules left f32, by the model's names ("bert.encoder.layer.3.output.dense"): each must be one
  // of int8_candidates(model).
  std::vector<std::string> keep_f32;
};

// The modules of `model` that quantize_model makes int8 by default, by the model's names.
std::vector<std::string> int8_candidates(const BertTaskModel& model);

// The int8 form of `model` (f32, parameter transforms such as pruning masks applied), on the CPU.
// Throws pare::Error when the model is int8 already, when keep_f32 names a module that is not a
// candidate, or when a weight to quantize holds NaN or an infinity (naming it and the row).
std::shared_ptr<BertTaskModel> quantize_model(const BertTaskModel& model, const QuantizeOptions& options = {});

// How much each candidate module moves the model's output when it alone is int8: the RMS of the
// change of the last hidden state (and of the logits, for a model with a head) over the f32 value's
// RMS, on `inputs`; largest first. What `pare quantize --check` reports so that the worst can be
// kept f32 (--keep-f32). Runs one forward pass per candidate.
struct Int8ModuleError {
  std::string module;
  double relative_error = 0;
};
std::vector<Int8ModuleError> int8_errors_by_module(const BertTaskModel& model, const BertInputs& inputs);

// Throws pare::Error saying that `action` ("training", "pruning", ...) needs the f32 model, naming
// `source`, when `config` is an int8 model's.
void check_not_int8(const BertConfig& config, const std::string& source, const std::string& action);

}  // namespace pare
