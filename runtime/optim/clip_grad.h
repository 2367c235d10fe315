// clip_grad_norm: scales gradients so their global L2 norm is at most max_norm.
#pragma once

#include <vector>

#include "runtime/tensor.h"

namespace pare {

// Returns the global L2 norm of all defined gradients before clipping. When it exceeds max_norm,
// every gradient is scaled in place by max_norm / (norm + 1e-6) (torch.nn.utils.clip_grad_norm_).
// A non-finite norm (inf or NaN gradients) is returned and the gradients are left as they are, so
// the caller can skip the step instead of scaling by NaN. Parameters without a gradient are skipped.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace pare
