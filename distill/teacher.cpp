#include "distill/teacher.h"

#include "models/checkpoint.h"  // load_pretrained
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/error.h"

namespace pare {

Teacher::Teacher(std::shared_ptr<BertTaskModel> model, Device device) : model_(std::move(model)) {
  PARE_CHECK(model_ != nullptr, "Teacher: no model");
  model_->to(device);
  model_->eval();
  for (Tensor& p : model_->parameters()) p.requires_grad_(false);
}

std::shared_ptr<Teacher> Teacher::load(const std::filesystem::path& dir, Device device) {
  LoadedBert loaded = load_pretrained(dir);
  PARE_CHECK(loaded.report.initialised.empty(), "teacher ", dir.string(),
             " lacks trained weights: ", loaded.report.summary());
  return std::make_shared<Teacher>(std::move(loaded.model), device);
}

TeacherOutputs Teacher::forward(const BertInputs& inputs) const {
  NoGradGuard no_grad;
  BertOutputs out = model_->forward(inputs);
  return {std::move(out.logits), std::move(out.hidden_states)};
}

}  // namespace pare
