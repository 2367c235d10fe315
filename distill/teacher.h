// Teacher: a frozen model for distillation. Its parameters are taken out of autograd and its
// forward runs under NoGradGuard in eval mode (no dropout), so a step keeps no teacher activation
// for backward: the outputs are plain tensors computed once per batch and dropped with it.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "models/bert.h"

namespace pare {

struct TeacherOutputs {
  Tensor logits;                      // [B, C] or [B, T, C]
  std::vector<Tensor> hidden_states;  // as BertOutputs::hidden_states: embeddings, then every layer
};

class Teacher {
 public:
  // Moves `model` to `device`, puts it in eval mode and clears requires_grad on all its parameters.
  explicit Teacher(std::shared_ptr<BertTaskModel> model, Device device = Device::cpu());
  // A model directory (config.json + weights) with the head its config names, on `device`.
  static std::shared_ptr<Teacher> load(const std::filesystem::path& dir, Device device = Device::cpu());

  TeacherOutputs forward(const BertInputs& inputs) const;
  const BertTaskModel& model() const { return *model_; }

 private:
  std::shared_ptr<BertTaskModel> model_;
};

}  // namespace pare
