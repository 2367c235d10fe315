// The message that stops training at a step whose loss or gradient norm is not finite. "Lower the
// learning rate" is the usual advice, and wrong when a 1e23 regression label or a distillation term
// is the cause: the message names the term that went non-finite and the inputs that point to it.
#pragma once

#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace pare {

// `what` ("non-finite loss (inf)"), the step (1-based), the step's task loss (weighted, summed over
// its micro-batches), the labels of its micro-batches (read here: training is stopping) and each
// hook's account of its own terms (TrainingHook::explain_non_finite_loss, empty ones skipped).
// Regression labels beyond data/user_data.h's kMaxRegressionLabel are named as the cause.
std::string non_finite_step_message(const std::string& what, std::int64_t step, double task_loss,
                                    const std::vector<Tensor>& labels, const std::vector<std::string>& hook_notes);

}  // namespace pare
