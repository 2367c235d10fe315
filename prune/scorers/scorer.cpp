#include "prune/scorers/scorer.h"

#include "runtime/error.h"  // Error

namespace pare {

// Reached only through a pruner bug: the loop asks for what mask_update() says the scorer does.
Tensor Scorer::ranking_scores(const std::vector<MaskMember>& /*members*/, const Tensor& /*mask*/) const {
  throw Error("scorer: ranking scores asked of a scorer that sets its own mask");
}

Tensor Scorer::own_mask() const {
  throw Error("scorer: its own mask asked of a scorer whose masks come from a ranking");
}

}  // namespace pare
