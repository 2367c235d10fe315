// Speed-up (surgery): turns the masks of attention heads and FFN units into a smaller dense model
// whose outputs equal the masked model's (the original with every weight multiplied by its mask).
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
// Folding a constant is exact in evaluation; under attention dropout a removed value-masked head's
// context would not have been exactly its bias, so the two models differ in training mode only.
// Hidden dimensions are not removed; their masks are applied like any other.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/bert.h"  // BertTaskModel
#include "prune/masks.h"  // Masks

namespace pare {

// What speedup keeps, per layer, in the numbering of the model it was given (ascending).
struct SpeedupPlan {
  std::vector<std::vector<std::int64_t>> kept_heads;
  std::vector<std::vector<std::int64_t>> kept_units;
};

// Which heads and FFN units of `model` survive `masks` (names with or without the "bert." prefix;
// checked as resolve_masks checks them).
SpeedupPlan plan_speedup(const BertTaskModel& model, const Masks& masks);

// A new model of the same task with the removed heads and units gone and the masks applied to what
// is left; its config has per-layer shapes and, in HF's form, pruned_heads counted in the original
// numbering (when the layers' head numbering can be traced back to it, so transformers can load a
// model that lost only heads). The input model is left unchanged; the result has its training mode.
std::shared_ptr<BertTaskModel> speedup(const BertTaskModel& model, const Masks& masks);

}  // namespace pare
