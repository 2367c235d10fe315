#include "train/non_finite_loss.h"

#include <cmath>
#include <optional>

#include "data/user_data.h"  // kMaxRegressionLabel
#include "runtime/error.h"   // detail::concat

namespace pare {
namespace {

// The largest |label| of regression (f32) labels; nullopt for class labels.
std::optional<double> largest_regression_label(const std::vector<Tensor>& labels) {
  std::optional<double> largest;
  for (const Tensor& t : labels) {
    if (!t.defined() || t.dtype() != DType::f32) continue;
    for (float v : t.to(Device::cpu()).to_vector<float>()) {
      const double magnitude = std::isfinite(v) ? std::abs(static_cast<double>(v)) : INFINITY;
      largest = largest ? std::max(*largest, magnitude) : magnitude;
    }
  }
  return largest;
}

}  // namespace

std::string non_finite_step_message(const std::string& what, std::int64_t step, double task_loss,
                                    const std::vector<Tensor>& labels, const std::vector<std::string>& hook_notes) {
  std::string message =
      detail::concat("trainer: ", what, " at step ", step, "; stopped without saving this step. The task loss is ",
                     task_loss, std::isfinite(task_loss) ? "" : " (not finite)");
  for (const std::string& note : hook_notes) {
    if (!note.empty()) message += "; " + note;
  }
  const std::optional<double> largest = largest_regression_label(labels);
  if (largest && *largest > kMaxRegressionLabel) {
    return message + detail::concat(". The step's regression labels reach ", *largest,
                                    " in magnitude: rescale them (for example to 0 .. 1)");
  }
  if (!std::isfinite(task_loss)) {
    return message + ". The model's outputs overflowed: lower the learning rate or check the data";
  }
  bool hook_blamed = false;
  for (const std::string& note : hook_notes) hook_blamed = hook_blamed || !note.empty();
  return message + (hook_blamed ? "" : ". Lower the learning rate or check the data");
}

}  // namespace pare
