// DistillationHook: distillation from a frozen teacher as a TrainingHook, so it runs in the same
// Trainer loop as fine-tuning and pruning (a pruner is just another hook). Every micro-batch it runs
// the teacher once (no autograd) and adds to the student's loss
//   logit_weight  * prediction-layer loss (KL with temperature, or MSE for regression heads)
// + hidden_weight * sum over this step's layer pairs of the hidden-state MSE between
//                   projection(student hidden_states[s]) and teacher hidden_states[t];
// the task loss and its weight stay with the trainer (TrainerOptions::task_loss_weight). The layer
// pairs are recomputed every micro-batch (distill/layer_mapping.h) from the current distances.
//
// Logged under "distill" in every train record of metrics.jsonl: task_loss, logit_loss and
// hidden_loss (unweighted, averaged over the micro-batches of the latest step) and layer_map, the
// teacher layer of each student layer (null: none), in hidden_states indices.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "distill/distillation_losses.h"  // PredictionLossKind
#include "distill/distillation_options.h"
#include "distill/hidden_projection.h"
#include "distill/layer_mapping.h"
#include "distill/teacher.h"
#include "train/training_hook.h"

namespace pare {

// The terms of the latest step, unweighted and averaged over its micro-batches.
struct DistillationStepTerms {
  std::int64_t step = -1;  // 0-based step they belong to; -1 before the first
  std::int64_t micro_batches = 0;
  // Means over the step's micro-batches, kept on the device and read only when logged; undefined
  // while there is none (the task loss when the model has no labels).
  Tensor task_loss;
  Tensor logit_loss;
  Tensor hidden_loss;
  std::vector<LayerPair> layer_map;  // of the step's last micro-batch
};

class DistillationHook : public TrainingHook {
 public:
  // `student_hidden_size` sizes the projection, which must exist before the trainer collects the
  // hook's parameters (when train() starts, before on_train_begin).
  DistillationHook(std::shared_ptr<const Teacher> teacher, std::int64_t student_hidden_size,
                   DistillationOptions options);

  std::string name() const override { return "distill"; }
  NamedTensors parameters() const override { return projection_.parameters(); }
  // Checks that the student fits the teacher (task, labels, width, layer map) and reads which of
  // its layers still have attention heads.
  void on_train_begin(BertTaskModel& student, const TrainingPlan& plan) override;
  Tensor extra_loss(const MicroBatchView& batch) override;
  nlohmann::json log_fields() const override;
  std::string explain_non_finite_loss() const override;
  StateDict state_tensors() const override;
  void load_state_tensors(const StateDict& tensors) override;

  // After surgery removed student hidden dims: the projection keeps its columns for `kept_dims`
  // (ascending, in the numbering before surgery). Call between trainer runs: a trainer takes the
  // hook's parameters when train() starts.
  void restrict_student_hidden(const std::vector<std::int64_t>& kept_dims);

  // Which student layers still have attention, asked before every micro-batch's layer map (a pruner
  // whose masks removed every head of a layer, before surgery makes that layer_shapes' heads == 0).
  // Unset: the student's layer_shapes at on_train_begin. Must give one entry per student layer.
  using AttentionSource = std::function<std::vector<bool>()>;
  void set_attention_source(AttentionSource source) { attention_source_ = std::move(source); }

  const DistillationStepTerms& last_step() const { return terms_; }
  const HiddenProjection& projection() const { return projection_; }
  const Teacher& teacher() const { return *teacher_; }
  const DistillationOptions& options() const { return options_; }

 private:
  Tensor hidden_loss(const MicroBatchView& batch, const TeacherOutputs& teacher, std::vector<LayerPair>& pairs);

  std::shared_ptr<const Teacher> teacher_;
  DistillationOptions options_;
  HiddenProjection projection_;
  PredictionLossKind prediction_kind_ = PredictionLossKind::kl_divergence;
  bool answer_spans_ =
      false;  // question answering: KL over the tokens of start and end (answer_span_distillation_loss)
  std::vector<bool> student_has_attention_;
  AttentionSource attention_source_;
  bool started_ = false;
  DistillationStepTerms terms_;
};

// A hook distilling from `teacher` (a model directory or a loaded model) into a student of config
// `student`; the options are validated here.
std::shared_ptr<DistillationHook> make_distillation_hook(const std::filesystem::path& teacher_dir,
                                                         const BertConfig& student, const DistillationOptions& options);
std::shared_ptr<DistillationHook> make_distillation_hook(std::shared_ptr<BertTaskModel> teacher,
                                                         const BertConfig& student, const DistillationOptions& options);

}  // namespace pare
