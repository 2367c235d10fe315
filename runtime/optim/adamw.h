// AdamW (Loshchilov & Hutter; torch.optim.AdamW's arithmetic) over named parameter groups, with
// state that can be saved and restored so a resumed run takes bit-identical steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/named_tensors.h"  // NamedTensors, StateDict
#include "runtime/tensor.h"

namespace pare {

struct ParamGroup {
  NamedTensors params;
  double weight_decay = 0.0;
};

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

// True for parameters BERT fine-tuning does not decay: biases, LayerNorm weights and any 1-D tensor.
bool excluded_from_weight_decay(const std::string& name, const Tensor& param);
// Two groups in this order: {decayed, weight_decay} and {excluded, 0}. Either may be empty.
std::vector<ParamGroup> parameter_groups_for_weight_decay(const NamedTensors& named_parameters, double weight_decay);

class AdamW {
 public:
  // Parameters are f32 leaves that require grad, with unique names across all groups.
  explicit AdamW(std::vector<ParamGroup> groups, double lr = 1e-3, AdamWOptions options = {});

  // The learning rate of the next step() for every group; a schedule sets it before each step.
  void set_lr(double lr);
  double lr() const { return lr_; }
  const AdamWOptions& options() const { return options_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  // Number of step() calls so far.
  std::int64_t steps_taken() const { return steps_taken_; }

  // Updates every parameter that has a gradient; a parameter without one keeps its value, moments
  // and step count (its bias correction uses its own count, as in PyTorch).
  void step();
  void zero_grad();

  // "exp_avg.<name>", "exp_avg_sq.<name>" (f32, the parameter's shape), "step.<name>" (i64 scalar)
  // for every parameter, and "step" (steps_taken). The moments are views of the live state: write
  // them out before the next step().
  StateDict state_dict() const;
  // Restores a state_dict() of an optimizer over the same names and shapes. Checks everything
  // first and throws one pare::Error listing missing and unexpected entries and mismatched shapes
  // or dtypes; nothing changes when it throws.
  void load_state_dict(const StateDict& dict);

 private:
  struct ParamState {
    Tensor exp_avg;
    Tensor exp_avg_sq;
    std::int64_t step = 0;
  };

  std::vector<ParamGroup> groups_;
  std::vector<std::vector<ParamState>> state_;  // state_[g][i] belongs to groups_[g].params[i]
  double lr_;
  AdamWOptions options_;
  std::int64_t steps_taken_ = 0;
};

}  // namespace pare
