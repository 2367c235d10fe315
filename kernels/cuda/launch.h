// What every CUDA kernel launch shares: the context's stream, a grid over n elements, and
// PARE_CUDA_CHECK_LAUNCH, which checks the launch and, with PARE_CUDA_SYNC=1 in the environment,
// synchronises after it so that an asynchronous fault is reported at the launch that caused it.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kernels/context.h"
#include "kernels/cuda/check.h"

namespace pare::kernels::cuda {

constexpr int kThreadsPerBlock = 256;

inline cudaStream_t stream_of(const Context& ctx) { return static_cast<cudaStream_t>(ctx.stream); }

// Blocks for one thread per element, capped so that kernels loop (grid-stride) over the rest.
inline unsigned int blocks_for(std::int64_t n) {
  const std::int64_t blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned int>(blocks < 65535 * 8 ? (blocks > 0 ? blocks : 1) : 65535 * 8);
}

inline bool sync_after_launch() {
  static const bool enabled = [] {
    const char* value = std::getenv("PARE_CUDA_SYNC");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return enabled;
}

}  // namespace pare::kernels::cuda

#define PARE_CUDA_CHECK_LAUNCH(ctx)                                                  \
  do {                                                                               \
    PARE_CUDA_CHECK(cudaGetLastError());                                             \
    if (::pare::kernels::cuda::sync_after_launch())                                  \
      PARE_CUDA_CHECK(cudaStreamSynchronize(::pare::kernels::cuda::stream_of(ctx))); \
  } while (0)
