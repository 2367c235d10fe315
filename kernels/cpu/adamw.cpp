#include "kernels/adamw.h"

#include <cmath>

namespace pare::kernels::cpu {

namespace {

void update_one(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamWStep& s) {
  const float decay = 1.0f - s.lr * s.weight_decay;
  const float step_size = s.lr / s.bias_correction1;
  const float one_minus_beta1 = 1.0f - s.beta1, one_minus_beta2 = 1.0f - s.beta2;
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = s.beta1 * m[i] + one_minus_beta1 * gi;
    const float vi = s.beta2 * v[i] + one_minus_beta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step_size * mi / (std::sqrt(vi) / s.bias_correction2_sqrt + s.eps);
  }
}

}  // namespace

void adamw_update(const Context&, const AdamWTensor* tensors, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    const AdamWTensor& t = tensors[i];
    update_one(t.p, t.g, t.m, t.v, t.n, t.step);
  }
}

}  // namespace pare::kernels::cpu
