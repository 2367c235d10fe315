// MemoryCounters: a device's tensor memory, as a backend reports it (kernels/backend.h).
#pragma once

#include <cstddef>

namespace pare::kernels {

// Bytes handed out now, the most since the last reset, and bytes freed but kept for reuse (the CPU's
// buffer cache, a CUDA pool's reserve).
struct MemoryCounters {
  std::size_t in_use_bytes = 0;
  std::size_t peak_in_use_bytes = 0;
  std::size_t cached_bytes = 0;
};

}  // namespace pare::kernels
