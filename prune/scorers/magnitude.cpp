// Magnitude: the L1 norm per mask entry of the masked weights, read when the masks are ranked. What
// a ranking pruned scores below every live entry, so sparsity only grows.
#include "prune/importance.h"  // magnitude_importance, with_pruned_last
#include "prune/scorers/scorer.h"
#include "runtime/ops/elementwise.h"  // add, mul

namespace pare {
namespace {

class MagnitudeScorer : public Scorer {
 public:
  explicit MagnitudeScorer(const ScorerSetup& setup) : mask_shape_(setup.mask_shape), device_(setup.device) {}

  MaskUpdate mask_update() const override { return MaskUpdate::scheduled_ranking; }

  Tensor ranking_scores(const std::vector<MaskMember>& members, const Tensor& mask) const override {
    Tensor magnitude = Tensor::zeros(mask_shape_, DType::f32, device_);
    for (const MaskMember& m : members) {
      magnitude =
          add(magnitude, magnitude_importance(m.parameter, mul(m.weight.detach(), m.expanded), MagnitudeNorm::l1));
    }
    return with_pruned_last(magnitude, mask);
  }

 private:
  Shape mask_shape_;
  Device device_;
};

}  // namespace

std::unique_ptr<Scorer> make_magnitude_scorer(const ScorerSetup& setup) {
  return std::make_unique<MagnitudeScorer>(setup);
}

}  // namespace pare
