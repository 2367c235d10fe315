// The op a pruning mask puts between a parameter and the forward pass (installed as a parameter
// transform, runtime/nn/module.h).
#pragma once

#include <memory>

#include "prune/mask_layout.h"
#include "runtime/tensor.h"

namespace pare {

// weight * expanded_mask, with expanded_mask = layout->expand(mask) (0/1, the weight's shape). The
// weight's gradient is masked the same way, so pruned weights learn nothing and their effective
// value stays exactly zero whatever the optimizer's moments hold. With `scores` defined (movement
// pruning, scores of layout->mask_shape()), the backward treats the mask as the identity of the
// scores (straight-through estimator): the scores receive layout->reduce(dL/dW' * W), the negative
// of one step's movement importance, so an optimizer descending on them accumulates -W * dL/dW'.
Tensor masked_parameter(const Tensor& weight, const Tensor& expanded_mask,
                        const std::shared_ptr<const MaskLayout>& layout, const Tensor& scores = Tensor());

}  // namespace pare
