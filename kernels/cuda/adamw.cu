// adamw_update on CUDA: the twin of kernels/cpu/adamw.cpp, in PyTorch's order of operations.
#include "kernels/adamw.h"
#include "kernels/cuda/grid.h"

namespace pare::kernels::cuda {
namespace {

__global__ void adamw_kernel(float* p, const float* g, float* m, float* v, std::int64_t n, AdamWStep s) {
  const float decay = 1.0f - s.lr * s.weight_decay;
  const float step_size = s.lr / s.bias_correction1;
  const float one_minus_beta1 = 1.0f - s.beta1, one_minus_beta2 = 1.0f - s.beta2;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const float gi = g[i];
    const float mi = s.beta1 * m[i] + one_minus_beta1 * gi;
    const float vi = s.beta2 * v[i] + one_minus_beta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step_size * mi / (sqrtf(vi) / s.bias_correction2_sqrt + s.eps);
  }
}

}  // namespace

void adamw_update(const Context& ctx, float* p, const float* g, float* m, float* v, std::int64_t n,
                  const AdamWStep& s) {
  if (n == 0) return;
  adamw_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(p, g, m, v, n, s);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
