// Pruner: the TrainingHook that trains a model under the masks of a resolved pruning config. Each
// mask is owned by a MaskUnit (one parameter, or every member of a dependency group, which share
// one mask and one score); the masks multiply the weights in the forward pass
// (prune/masked_parameter.h) and are recomputed after optimizer steps from the unit's scorer, made
// from the config's "scorer" name (prune/scorers/scorer.h: movement, taylor, magnitude). The
// scorer's MaskUpdate says how: a ranking at the schedule's sparsity (the cubic ramp, or AGP with
// total_times) every interval_steps from warmup_steps (Taylor, magnitude: an entry they pruned scores
// below every live one, so sparsity only grows) or every step (hard movement), or the scorer's own
// threshold (soft movement). Scores a scorer learns (movement) are stepped by the pruner's own Adam
// (lr score_lr) from the straight-through gradient; a scorer's penalty (soft movement's
// sum(sigmoid(scores))) enters the loss times regular_scale * cubic_ramp, divided by the entries of
// every penalised unit and scaled by the task loss's weight (PrunerOptions::task_loss_weight), so a
// larger regular_scale gives a sparser model.
// Before warmup_steps every mask is all ones and scores still accumulate. A "follow_heads" group
// (NNI's FFN rule) takes each layer's ratio 1 - heads / num_attention_heads / 2 from the model's
// per-layer shapes, so run it on a model whose heads were removed by speedup().
//
// Ranking: per_layer ranks the units of a config group in one encoder layer together (a unit
// outside the layers on its own); global ranks all units of the group together. A dependency unit's
// score sums its members' importance; its members may come from several config groups (the first
// one's settings rule; resolve() checked they agree).
//
// Pruned weights are never resurrected by the optimizer: their gradient is masked and their
// effective value is exactly zero. Only a movement score crossing back brings a weight back, as in
// movement pruning itself.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prune/masks.h"  // Masks
#include "prune/pruning_resolve.h"
#include "train/training_hook.h"

namespace pare {

class AdamW;
struct MaskUnit;

struct PrunerOptions {
  // Adam learning rate of movement scores (Sanh et al. use 1e-2).
  double score_lr = 1e-2;
  // The weight the trainer gives the task loss (TrainerOptions::task_loss_weight; 0.1 under pare
  // prune --teacher). Soft mode's regulariser is scaled by it, so that regular_scale sets the same
  // strength against the task term's gradient with or without distillation, as NNI's regular_scale
  // does: unscaled, a distilled run (whose distillation terms start near zero, the student being
  // the teacher) met a regulariser 10x the task term and masked every head. 0 (CoFi's objective,
  // no task term) leaves the regulariser as it is.
  double task_loss_weight = 1.0;
  // Where masks and scores live: the model's device (prune_on_task sets it).
  Device device = Device::cpu();
};

class Pruner : public TrainingHook {
 public:
  explicit Pruner(ResolvedPruning pruning, PrunerOptions options = {});
  ~Pruner() override;

  std::string name() const override { return "pruner"; }
  // Installs the masks as parameter transforms on `model`. Throws, naming the group, when an AGP
  // schedule would not reach its target within the run.
  void on_train_begin(BertTaskModel& model, const TrainingPlan& plan) override;
  Tensor extra_loss(const MicroBatchView& batch) override;
  // The learned scores of movement units, which after_backward steps with their own optimizer.
  NamedTensors gradient_tensors() const override;
  void after_backward(std::int64_t step, BertTaskModel& model) override;
  void after_step(const StepInfo& info) override;
  nlohmann::json log_fields() const override;

  nlohmann::json state() const override;
  void load_state(const nlohmann::json& state) override;
  StateDict state_tensors() const override;
  void load_state_tensors(const StateDict& tensors) override;

  // Every masked parameter's current 0/1 mask, full shape, under the model's names.
  Masks masks() const;
  // Per config group: target, masked fraction of its parameters' elements, and per encoder layer
  // (key "-1" outside the layers) the masked fraction and the mask entries kept of all entries.
  nlohmann::json sparsity_report() const;
  // Per encoder layer, whether a head survives the current masks by speedup()'s rule: its value rows
  // and its output-projection columns are not all masked. Known from on_train_begin (the layers'
  // head counts); CoFi's layer map skips the layers without attention.
  std::vector<bool> layers_with_attention() const;
  // Removes the pruner's transforms from `model`, which then runs unmasked.
  void detach(BertTaskModel& model);

 private:
  void update_masks(std::int64_t step);

  ResolvedPruning pruning_;
  PrunerOptions options_;
  std::vector<std::shared_ptr<MaskUnit>> units_;
  std::unique_ptr<AdamW> score_optimizer_;
  std::int64_t total_steps_ = 0;
  // The model's heads per encoder layer and its num_attention_heads, for "follow_heads" ratios.
  std::vector<std::int64_t> layer_heads_;
  std::vector<std::int64_t> layer_head_dims_;
  // layers_with_attention() of the masks as they were when it last ran, and whether a mask changed
  // since (it is asked before every micro-batch).
  mutable std::vector<bool> attention_;
  mutable bool heads_changed_ = true;  // a mask that decides_heads changed since layers_with_attention
  std::int64_t num_heads_ = 0;
  Tensor last_regularization_;  // on the device; read only when logged
};

}  // namespace pare
