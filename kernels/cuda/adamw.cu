// adamw_update on CUDA: the twin of kernels/cpu/adamw.cpp, in PyTorch's order of operations, with
// every parameter in one launch (up to kAdamWTensorsPerLaunch per launch): the tensors travel in the
// kernel's parameter block (Hopper takes up to 32 KB), so no descriptor copy precedes the launch.
#include <algorithm>

#include "kernels/adamw.h"
#include "kernels/cuda/grid.h"

namespace pare::kernels::cuda {
namespace {

struct AdamWBatch {
  AdamWTensor tensors[kAdamWTensorsPerLaunch];
  std::int64_t first[kAdamWTensorsPerLaunch + 1];  // element index where each tensor starts; [count] = total
  int count;
};

__global__ void adamw_kernel(const __grid_constant__ AdamWBatch batch) {
  const std::int64_t total = batch.first[batch.count];
  for (std::int64_t i = first_index(); i < total; i += grid_stride()) {
    // The tensor holding element i: the last whose first element is at or before it.
    int lo = 0, hi = batch.count - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (batch.first[mid] <= i) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    const AdamWTensor& t = batch.tensors[lo];
    const AdamWStep& s = t.step;
    const std::int64_t j = i - batch.first[lo];
    const float gi = t.g[j];
    const float mi = s.beta1 * t.m[j] + (1.0f - s.beta1) * gi;
    const float vi = s.beta2 * t.v[j] + (1.0f - s.beta2) * gi * gi;
    t.m[j] = mi;
    t.v[j] = vi;
    t.p[j] = t.p[j] * (1.0f - s.lr * s.weight_decay) -
             (s.lr / s.bias_correction1) * mi / (sqrtf(vi) / s.bias_correction2_sqrt + s.eps);
  }
}

}  // namespace

void adamw_update(const Context& ctx, const AdamWTensor* tensors, std::int64_t count) {
  for (std::int64_t start = 0; start < count; start += kAdamWTensorsPerLaunch) {
    AdamWBatch batch{};
    batch.count = static_cast<int>(std::min(kAdamWTensorsPerLaunch, count - start));
    for (int i = 0; i < batch.count; ++i) {
      batch.tensors[i] = tensors[start + i];
      batch.first[i + 1] = batch.first[i] + tensors[start + i].n;
    }
    const std::int64_t total = batch.first[batch.count];
    if (total == 0) continue;
    adamw_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream_of(ctx)>>>(batch);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
}

}  // namespace pare::kernels::cuda
