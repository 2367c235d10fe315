// Speed-up (surgery): turns the masks of attention heads, FFN units and hidden dimensions into a
// smaller dense model whose outputs equal the masked model's (the original with every weight
// multiplied by its mask), on the kept hidden dimensions (the removed ones are zero there).
//
// What goes:
// - A head whose output-projection columns (attention.output.dense.weight) are all masked adds
//   nothing to the output. A head whose value rows (value.weight) are all masked has the value bias
//   as its context at every position (attention weights sum to 1), so what it adds is the constant
//   W_o[:, head] @ b_v[head], folded into the output bias. Either way the head is removed from the
//   query, key and value rows and the output-projection columns. Query and key masks alone never
//   remove a head: zero scores make attention uniform, not absent. When Q, K, V and the output
//   projection are all masked (the usual block masks), the head goes, as NNI's summed-mask rule says.
// - An FFN unit whose output.dense column is masked, or whose intermediate.dense row is masked (its
//   activation is then the constant act(bias), folded into output.dense's bias) is removed from
//   intermediate.dense's rows and bias and output.dense's columns.
// - A partially masked head or unit is kept whole with its masked weights zero. A layer with no head
//   (no unit) left keeps only the output projection's (output.dense's) bias.
// - A hidden (embedding) dimension d goes when every parameter that writes it masks it whole: the
//   word, position and token-type embedding columns d, every LayerNorm's weight and bias at d, and
//   row d and bias d of every projection with a hidden-sized output (attention.output.dense,
//   output.dense, the pooler, the MLM transform). A writer without a mask, or one that keeps any
//   entry of d, keeps d (partial masks are then applied to it as zeros). d is then zero in the
//   masked model's residual stream, the pooler output and the MLM transform's input, and goes from
//   every parameter with a hidden axis (parameter_roles.h): also the input columns of Q/K/V,
//   intermediate.dense, the pooler, the MLM transform and the classifier. If every dimension would
//   go, dimension 0 is kept, as a model needs one. prune/configs/embedding.json masks all these
//   with one shared mask; for masked LM, cls.predictions.transform.{dense,LayerNorm} must be masked
//   too, or nothing goes. The MLM decoder is tied to the word embeddings, so it loses the same
//   columns; its bias is per token and stays.
//   LayerNorm over fewer dimensions is not the same function: in the masked model each removed
//   dimension was a zero entry in every LayerNorm's mean and variance. The smaller model carries
//   that mapping instead of being distilled back: its config keeps the original width as
//   pare_layer_norm_size (models/bert_config.h), and every LayerNorm normalises its kept dimensions
//   as if the removed ones were present and zero (runtime/ops/layer_norm.h). So surgery stays exact,
//   and a model without removed hidden dimensions is a plain HF model as before; one with them is
//   pare's own (transformers would normalise over the kept dimensions only).
// Folding a constant is exact in evaluation; under attention dropout a removed value-masked head's
// context would not have been exactly its bias, so the two models differ in training mode only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/bert.h"  // BertTaskModel
#include "prune/masks.h"  // Masks

namespace pare {

// What speedup keeps, per layer and of the hidden size, in the numbering of the model it was given
// (ascending).
struct SpeedupPlan {
  std::vector<std::vector<std::int64_t>> kept_heads;
  std::vector<std::vector<std::int64_t>> kept_units;
  std::vector<std::int64_t> kept_hidden;
};

// Which heads and FFN units of `model` survive `masks` (names with or without the "bert." prefix;
// checked as resolve_masks checks them).
SpeedupPlan plan_speedup(const BertTaskModel& model, const Masks& masks);

// A new model of the same task with the removed heads, units and hidden dimensions gone and the
// masks applied to what is left; its config has the kept hidden size, the LayerNorm width
// (pare_layer_norm_size) when hidden dimensions went, per-layer shapes and, in HF's form,
// pruned_heads counted in the original
// numbering (when the layers' head numbering can be traced back to it, so transformers can load a
// model that lost only heads). The input model is left unchanged; the result has its training mode.
std::shared_ptr<BertTaskModel> speedup(const BertTaskModel& model, const Masks& masks);

}  // namespace pare
