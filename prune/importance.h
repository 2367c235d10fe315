// Importance scores and the masks made from them. Every score tensor has a parameter's mask shape
// (prune/pruning_resolve.h): one entry per unit that is kept or pruned as a whole. Element-wise
// quantities (|W|, W * dL/dW) are summed over the elements each entry covers.
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

// One step of movement (Sanh et al. 2020): -W * dL/dW summed per mask entry. Positive when the
// gradient step moves the weight away from zero.
Tensor movement_importance(const ResolvedParameter& p, const Tensor& weight, const Tensor& grad);

// Sums Taylor or movement importance over the steps it is given (weight and gradient of each step).
class ImportanceAccumulator {
 public:
  // scorer is taylor or movement (magnitude needs no accumulation; it throws). The sums live on
  // `device`, where the weights and gradients added must be too.
  ImportanceAccumulator(ResolvedParameter parameter, ScorerKind scorer, Device device = Device::cpu());

  void add(const Tensor& weight, const Tensor& grad);
  // The sum so far, of the parameter's mask shape; zeros before any step.
  const Tensor& scores() const { return scores_; }
  std::int64_t steps() const { return steps_; }
  void reset();

 private:
  ResolvedParameter parameter_;
  ScorerKind scorer_;
  Device device_;
  Tensor scores_;
  std::int64_t steps_ = 0;
};

// How many of n entries a hard sparse_ratio keeps: round((1 - ratio) * n), halves rounded up.
std::int64_t kept_count(std::int64_t n, double sparse_ratio);

// A 0/1 f32 mask of scores' shape keeping exactly kept_count(numel, sparse_ratio) entries: the
// highest scores, ties going to the lower flat index. Throws on a ratio outside [0, 1) or a score
// that is not finite.
Tensor topk_mask(const Tensor& scores, double sparse_ratio);

// Global ranking: one top-k over every entry of every tensor (ties to the earlier tensor, then the
// lower index), kept_count of the total entries kept; one mask per tensor, in order.
std::vector<Tensor> global_topk_masks(const std::vector<Tensor>& scores, double sparse_ratio);

// Soft movement mode: 1 where sigmoid(score) >= threshold, threshold in (0, 1).
Tensor threshold_mask(const Tensor& scores, double threshold);

}  // namespace pare
