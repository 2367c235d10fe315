// What pruning needs to know about each BERT parameter beyond its name and shape: its module kind,
// its encoder layer, which axis lists attention heads, and which axes carry the hidden size (the
// residual stream). Told from Hugging Face's names, so a checkpoint's tensors can be described
// without building the model.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/bert_config.h"
#include "prune/pruning_config.h"  // PruneOpType
#include "runtime/tensor.h"        // Shape

namespace pare {

class BertTaskModel;

struct PruneParameterInfo {
  std::string name;
  Shape shape;
  PruneOpType op_type = PruneOpType::linear;
  std::int64_t layer = -1;  // encoder layer index; -1 outside the encoder layers
  // The axis laid out as [heads, head_dim]: rows of attention.self.{query,key,value} weights and
  // biases, columns of the attention.output.dense weight; -1 for every other parameter.
  int head_axis = -1;
  std::int64_t head_dim = 0;  // the layer's head size where head_axis >= 0
  // Axes whose size is the hidden size: embedding and LayerNorm widths, inputs of Q/K/V, of
  // intermediate.dense and of the classifier, outputs of the residual projections
  // (attention.output.dense, output.dense), both axes of the pooler and of the MLM transform.
  std::vector<int> hidden_axes;
};

using NamedShapes = std::vector<std::pair<std::string, Shape>>;

// Parameters outside the patterns above are linear (or embedding / layer_norm by their names) with
// no head or hidden axis. head_dim comes from config.layer_shapes.
std::vector<PruneParameterInfo> describe_bert_parameters(const NamedShapes& parameters, const BertConfig& config);
// The model's named_parameters() described with its config.
std::vector<PruneParameterInfo> describe_bert_parameters(const BertTaskModel& model);

}  // namespace pare
