#include "kernels/adamw.h"

#include <cmath>

#include "kernels/cpu/parallel_ranges.h"

namespace pare::kernels::cpu {

namespace {

PARE_VECTOR_CLONES void update_range(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamWStep& s) {
  const float decay = 1.0f - s.lr * s.weight_decay;
  const float step_size = s.lr / s.bias_correction1;
  const float one_minus_beta1 = 1.0f - s.beta1, one_minus_beta2 = 1.0f - s.beta2;
  // Locals rather than reads through s, which the stores below could alias: with those reads in the
  // loop GCC does not vectorise it.
  const float beta1 = s.beta1, beta2 = s.beta2, bias_correction2_sqrt = s.bias_correction2_sqrt, eps = s.eps;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + one_minus_beta1 * gi;
    const float vi = beta2 * v[i] + one_minus_beta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step_size * mi / (std::sqrt(vi) / bias_correction2_sqrt + eps);
  }
}

void update_one(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamWStep& s) {
  parallel_ranges(n, 65536, 16, [&](std::int64_t begin, std::int64_t end) {
    update_range(p + begin, g + begin, m + begin, v + begin, end - begin, s);
  });
}

}  // namespace

void adamw_update(const Context&, const AdamWTensor* tensors, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    const AdamWTensor& t = tensors[i];
    update_one(t.p, t.g, t.m, t.v, t.n, t.step);
  }
}

}  // namespace pare::kernels::cpu
