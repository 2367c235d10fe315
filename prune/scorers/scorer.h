// Scorer: how one pruning criterion scores the entries of a mask unit (prune/pruner.h), in the
// spirit of torch.nn.utils.prune's methods: the pruner's loop calls these hooks and knows no
// criterion by name. A scorer is made by make_scorer() from the name a pruning config gives it
// ("scorer"); each criterion lives in its own file under prune/scorers/ and is listed once in
// prune/scorers/registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "prune/mask_member.h"      // MaskMember
#include "prune/pruning_config.h"   // PruningGroup
#include "runtime/named_tensors.h"  // StateDict
#include "runtime/tensor.h"

namespace pare {

// How a unit's mask follows its scorer.
enum class MaskUpdate {
  // Top-k of ranking_scores() at the schedule's sparsity, every interval_steps from warmup_steps
  // (and at the ramp's end): scores that only observe the weights.
  scheduled_ranking,
  // The same ranking every step: learned scores move every step and may bring a weight back.
  ranking_every_step,
  // own_mask() every step from warmup_steps, no ranking (a threshold on the scorer's own scores).
  own_threshold,
};

class Scorer {
 public:
  virtual ~Scorer() = default;

  virtual MaskUpdate mask_update() const = 0;

  // Scores learned by gradient descent, of the unit's mask shape: masked_parameter() routes the
  // straight-through gradient into them and the pruner's score optimizer steps them after every
  // backward. Undefined for a scorer that only observes the weights.
  virtual Tensor learned_scores() const { return Tensor(); }

  // The scorer's term of the loss before the schedule's weight (regularization_scale) and the
  // division by every penalised entry (sum(sigmoid(scores)) for soft movement, an L1 penalty on the
  // soft mask). Undefined when it adds none.
  virtual Tensor penalty() const { return Tensor(); }

  // After every backward (and the score optimizer's step), while the members' gradients are there
  // and before the model's optimizer steps: Taylor sums |W * dL/dW| here.
  virtual void observe(const std::vector<MaskMember>& /*members*/) {}

  // For the rankings: higher is kept, entries of every unit ranked together compared directly.
  // `mask` is the unit's current 0/1 mask. The default throws (a scorer that thresholds).
  virtual Tensor ranking_scores(const std::vector<MaskMember>& members, const Tensor& mask) const;
  // Called once a ranking has set the unit's mask.
  virtual void after_ranking() {}

  // For MaskUpdate::own_threshold: the 0/1 mask its scores choose. The default throws.
  virtual Tensor own_mask() const;

  // State a resumed run needs, by kind ("scores"); the pruner saves it as "<kind>.<unit name>".
  virtual StateDict state_tensors() const { return {}; }
  // Restores state_tensors(): `take(kind)` is the checkpoint's tensor of that kind, checked to have
  // the unit's mask shape, or throws naming what is missing.
  using TakeTensor = std::function<const Tensor&(const std::string& kind)>;
  virtual void load_state_tensors(const TakeTensor& /*take*/) {}
};

// What a scorer is made for: one mask unit's settings (of its first config group), mask shape and
// the device its scores live on.
struct ScorerSetup {
  const PruningGroup& settings;
  Shape mask_shape;
  Device device;
};

// The scorer that prune/scorers/registry.cpp lists under `criterion`. Throws pare::Error naming the
// known criteria when it lists none by that name.
std::unique_ptr<Scorer> make_scorer(const std::string& criterion, const ScorerSetup& setup);
// The listed criteria, sorted.
std::vector<std::string> scorer_names();
// For a pruning config's checks: empty when `criterion` is listed (and, for soft mode, learns its
// scores), else what is wrong, naming the criteria that would do.
std::string check_scorer_name(const std::string& criterion);
std::string check_soft_scorer(const std::string& criterion);

}  // namespace pare
