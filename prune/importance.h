// Importance scores and the masks made from them: the pieces prune/scorers/ builds criteria from.
// Every score tensor has a parameter's mask shape (prune/pruning_resolve.h): one entry per unit that
// is kept or pruned as a whole. Element-wise quantities (|W|, W * dL/dW) are summed over the
// elements each entry covers.
#pragma once

#include <cstdint>
#include <vector>

#include "prune/pruning_resolve.h"  // ResolvedParameter
#include "runtime/tensor.h"

namespace pare {

// `elementwise` (the parameter's shape, any dtype and layout) summed into an f32 tensor of
// p.mask_shape: entry e gets the sum over the elements it covers. An element indexed along two axes
// by the same mask dimension (the pooler's hidden x hidden weight under hidden granularity) counts
// towards both entries it meets (once when they are the same). Throws naming p.name on a shape that
// is not p.shape or a mask layout that does not fit it.
Tensor reduce_to_mask(const ResolvedParameter& p, const Tensor& elementwise);

enum class MagnitudeNorm { l1, l2 };

// The baseline: per mask entry, the L1 (sum |w|) or L2 (sqrt(sum w^2)) norm of the weights it covers.
Tensor magnitude_importance(const ResolvedParameter& p, const Tensor& weight, MagnitudeNorm norm);

// One step of first-order Taylor importance: |W * dL/dW| summed per mask entry.
Tensor taylor_importance(const ResolvedParameter& p, const Tensor& weight, const Tensor& grad);

// How many of n entries a hard sparse_ratio keeps: round((1 - ratio) * n), halves rounded up.
std::int64_t kept_count(std::int64_t n, double sparse_ratio);

// One top-k over every entry of every tensor: the kept_count(total entries, sparse_ratio) highest
// scores, ties going to the earlier tensor, then the lower flat index; one 0/1 f32 mask per tensor,
// in order. Throws on a ratio outside [0, 1) or a score that is not finite.
std::vector<Tensor> global_topk_masks(const std::vector<Tensor>& scores, double sparse_ratio);

// For scores >= 0 (magnitude, Taylor): scores where the 0/1 mask keeps and -1 where it prunes, so
// that what is already pruned ranks below everything alive.
Tensor with_pruned_last(const Tensor& scores, const Tensor& mask);

// Soft movement mode: 1 where sigmoid(score) >= threshold, threshold in (0, 1).
Tensor threshold_mask(const Tensor& scores, double threshold);

}  // namespace pare
