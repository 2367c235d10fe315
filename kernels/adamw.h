// adamw_update: the fused AdamW step over every parameter of an optimizer at once (one pass over each
// p, g, m, v; on CUDA one launch for up to kAdamWTensorsPerLaunch parameters).
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels {

// Scalars of one AdamW step, computed once per parameter by the caller.
struct AdamWStep {
  float lr;
  float beta1;
  float beta2;
  float eps;
  // Decoupled decay: p is multiplied by (1 - lr * weight_decay) before the Adam update.
  float weight_decay;
  // 1 - beta1^t and sqrt(1 - beta2^t) for this parameter's step count t.
  float bias_correction1;
  float bias_correction2_sqrt;
};

// One parameter of the update: its values, gradient and moments (n elements each, device memory).
struct AdamWTensor {
  float* p;
  const float* g;
  float* m;
  float* v;
  std::int64_t n;
  AdamWStep step;
};

constexpr std::int64_t kAdamWTensorsPerLaunch = 192;

}  // namespace pare::kernels

namespace pare::kernels::cpu {

// For each of the `count` tensors (the array itself is host memory) and each element i, in PyTorch's
// order of operations:
//   p *= 1 - lr * wd;  m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;
//   p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps).
// Element-wise, so the result does not depend on the thread count.
void adamw_update(const Context& ctx, const AdamWTensor* tensors, std::int64_t count);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::adamw_update) adamw_update;
}  // namespace pare::kernels::cuda
