// TrainingHook: how pruning, distillation and other stages plug into the one training loop. A hook
// can add to the loss of every micro-batch, read every gradient after backward (before clipping),
// act after each optimizer step, bring trainable tensors of its own, and keep state that travels
// with the checkpoint so a resumed run continues exactly.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "models/bert.h"            // BertTaskModel, BertInputs, BertOutputs
#include "runtime/named_tensors.h"  // NamedTensors, StateDict

namespace pare {

// Fixed for a run once the data and options are known.
struct TrainingPlan {
  std::int64_t total_steps = 0;
  std::int64_t warmup_steps = 0;
  std::int64_t steps_per_epoch = 0;
  std::int64_t start_step = 0;  // > 0 when resumed
};

// The part of a micro-batch this process trains on. In data-parallel training (runtime/distributed/
// world.h) every rank collates the same micro-batch and runs its own rows of it; a rank left without
// rows runs the first row as a stand-in with shares 0. In one process both shares are 1.
struct BatchShare {
  double rows = 1.0;    // this rank's rows / the micro-batch's rows
  double tokens = 1.0;  // this rank's tokens (attention-mask ones) / the micro-batch's
};

// One micro-batch the model has just run on (training mode, autograd recording): this rank's rows.
struct MicroBatchView {
  std::int64_t step = 0;         // optimizer steps already taken (0 for the first step)
  std::int64_t micro_batch = 0;  // 0 .. gradient_accumulation - 1
  const BertInputs& inputs;
  const Tensor& labels;
  const BertOutputs& outputs;  // outputs.loss is the task loss of these rows, before task_loss_weight
  BatchShare share;
};

// What one finished optimizer step looked like.
struct StepInfo {
  std::int64_t step = 0;   // steps taken, this one included (1 for the first)
  double loss = 0.0;       // weighted task loss plus every hook's extra loss, over the whole batch
  double grad_norm = 0.0;  // before clipping
  double lr = 0.0;         // the rate this step used
  std::int64_t sequences = 0;
};

class TrainingHook {
 public:
  virtual ~TrainingHook() = default;

  // Unique among a trainer's hooks; keys the hook's state in the checkpoint.
  virtual std::string name() const = 0;
  // Tensors the optimizer trains besides the model's (a distillation projection, learned scores),
  // f32 leaves that require grad. Named under "hooks.<name>." in the optimizer's state.
  virtual NamedTensors parameters() const { return {}; }
  // Tensors whose gradients the hook reads in after_backward besides the model's and parameters()
  // (scores a hook trains itself): data-parallel training sums their gradients over the ranks too.
  virtual NamedTensors gradient_tensors() const { return {}; }

  virtual void on_train_begin(BertTaskModel&, const TrainingPlan&) {}
  // Added to the micro-batch's task loss before backward (undefined: nothing). It is weighted
  // across micro-batches exactly as the task loss is. Under data parallelism it is this rank's part:
  // a mean over rows scaled by share.rows, over tokens by share.tokens, a term that does not depend
  // on the data by share.rows, so that the ranks' parts add up to the micro-batch's loss. Every rank
  // calls it for every micro-batch, so collectives on world() may be used (the same on every rank).
  virtual Tensor extra_loss(const MicroBatchView&) { return Tensor(); }
  // Every micro-batch of step `step` (0-based) has been back-propagated: the gradients of the
  // model's parameters and of parameters() are complete and not yet clipped.
  virtual void after_backward(std::int64_t /*step*/, BertTaskModel&) {}
  virtual void after_step(const StepInfo&) {}
  // Written under the hook's name into every "train" record of metrics.jsonl (its latest values:
  // loss terms, sparsity, a layer mapping); null writes nothing.
  virtual nlohmann::json log_fields() const { return nullptr; }
  // After a step whose loss or gradient norm was not finite, before training stops: when one of this
  // hook's terms of that step is not finite, which one and what it points to, for the message
  // (train/non_finite_loss.h); empty when its terms are finite. Host reads are fine here.
  virtual std::string explain_non_finite_loss() const { return {}; }

  // Saved in the checkpoint: JSON under TrainerState::extra["hooks"][name()], tensors in
  // hook_tensors.safetensors under "<name>.". load_* get back what state*() returned.
  virtual nlohmann::json state() const { return nullptr; }
  virtual void load_state(const nlohmann::json&) {}
  virtual StateDict state_tensors() const { return {}; }
  virtual void load_state_tensors(const StateDict&) {}
};

}  // namespace pare
