// Movement pruning (Sanh et al. 2020): scores of the mask shape learned by the pruner's optimizer
// from the straight-through gradient masked_parameter() gives them, so they accumulate -W * dL/dW'.
// Hard mode (sparse_ratio) ranks them every step; soft mode (sparse_threshold) keeps
// sigmoid(score) >= threshold and penalises sum(sigmoid(scores)), so the loss pulls scores down.
#include <optional>

#include "prune/importance.h"  // threshold_mask
#include "prune/scorers/scorer.h"
#include "runtime/autograd.h"        // NoGradGuard
#include "runtime/ops/activation.h"  // sigmoid
#include "runtime/ops/reduce.h"      // sum

namespace pare {
namespace {

class MovementScorer : public Scorer {
 public:
  explicit MovementScorer(const ScorerSetup& setup)
      : threshold_(setup.settings.sparse_threshold),
        scores_(Tensor::zeros(setup.mask_shape, DType::f32, setup.device)) {
    scores_.requires_grad_(true);
  }

  MaskUpdate mask_update() const override {
    return threshold_ ? MaskUpdate::own_threshold : MaskUpdate::ranking_every_step;
  }
  Tensor learned_scores() const override { return scores_; }
  Tensor penalty() const override { return threshold_ ? sum(sigmoid(scores_)) : Tensor(); }
  Tensor ranking_scores(const std::vector<MaskMember>& /*members*/, const Tensor& /*mask*/) const override {
    return scores_.detach();
  }
  Tensor own_mask() const override { return threshold_mask(scores_.detach(), *threshold_); }

  StateDict state_tensors() const override { return {{"scores", scores_.detach().clone()}}; }
  // In place: the optimizer holds the learned tensor.
  void load_state_tensors(const TakeTensor& take) override {
    NoGradGuard no_grad;
    scores_.copy_(take("scores"));
  }

 private:
  std::optional<double> threshold_;  // soft mode
  Tensor scores_;                    // a leaf
};

}  // namespace

std::unique_ptr<Scorer> make_movement_scorer(const ScorerSetup& setup) {
  return std::make_unique<MovementScorer>(setup);
}

}  // namespace pare
