// Whether a checkpoint's weights are the model its config.json describes: shared by loading
// (models/checkpoint.h) and `pare inspect`, which reads the safetensors headers alone. A config with
// fewer layers, heads or FFN units than the weights would otherwise load part of them and evaluate a
// different model without a word.
#pragma once

#include <map>
#include <string>

#include "models/bert.h"  // BertTask
#include "models/bert_config.h"
#include "runtime/tensor.h"  // Shape

namespace pare {

// Tensor name -> shape.
using WeightShapes = std::map<std::string, Shape>;

// The parameters make_bert_model(config, task) holds, with their shapes, without building it.
WeightShapes bert_weight_shapes(const BertConfig& config, BertTask task);

// The config.json fields that set the shape of the model's tensor `name` (with or without `prefix`,
// the model's "bert."), with their values: "intermediate_size = 37, hidden_size = 12".
std::string config_fields_of(const std::string& name, const BertConfig& config, const std::string& prefix);

// `stored` (the checkpoint's tensors under the model's names) against `expected` (the model's):
// throws pare::Error naming `source`, the tensor, its shape and config_fields_of when a tensor of
// both has other shapes, when `stored` holds an embedding or encoder tensor (under `prefix`) the
// model lacks, or lacks one the model holds. Tensors of other heads (cls.*, classifier.*) and a
// pooler the model has no place for are left to the caller, which reports them as ignored.
void check_weights_fit_config(const WeightShapes& expected, const WeightShapes& stored, const BertConfig& config,
                              const std::string& prefix, const std::string& source);

}  // namespace pare
