// First-order Taylor importance: |W * dL/dW| summed per mask entry over the steps since the last
// ranking. What a ranking pruned scores below every live entry, so sparsity only grows.
#include "prune/importance.h"  // taylor_importance, with_pruned_last
#include "prune/scorers/scorer.h"
#include "runtime/ops/elementwise.h"  // add

namespace pare {
namespace {

class TaylorScorer : public Scorer {
 public:
  explicit TaylorScorer(const ScorerSetup& setup)
      : mask_shape_(setup.mask_shape), device_(setup.device), scores_(zeros()) {}

  MaskUpdate mask_update() const override { return MaskUpdate::scheduled_ranking; }

  void observe(const std::vector<MaskMember>& members) override {
    Tensor step_scores = zeros();
    for (const MaskMember& m : members) {
      const Tensor grad = m.weight.grad();
      if (grad.defined()) step_scores = add(step_scores, taylor_importance(m.parameter, m.weight.detach(), grad));
    }
    scores_ = add(scores_, step_scores);
  }

  Tensor ranking_scores(const std::vector<MaskMember>& /*members*/, const Tensor& mask) const override {
    return with_pruned_last(scores_, mask);
  }
  void after_ranking() override { scores_ = zeros(); }

  StateDict state_tensors() const override { return {{"scores", scores_.detach().clone()}}; }
  void load_state_tensors(const TakeTensor& take) override {
    scores_ = take("scores").to(DType::f32).to(device_).clone();
  }

 private:
  Tensor zeros() const { return Tensor::zeros(mask_shape_, DType::f32, device_); }

  Shape mask_shape_;
  Device device_;
  Tensor scores_;  // summed since the last ranking
};

}  // namespace

std::unique_ptr<Scorer> make_taylor_scorer(const ScorerSetup& setup) { return std::make_unique<TaylorScorer>(setup); }

}  // namespace pare
