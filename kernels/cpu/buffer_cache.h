// BufferCache: the CPU backend's memory. 64-byte aligned buffers kept after release in a size-keyed
// cache, so a training step that allocates the same shapes every iteration does not fault fresh
// pages in each time.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>

#include "kernels/memory_counters.h"

namespace pare::kernels::cpu {

class BufferCache {
 public:
  // Throws std::runtime_error when the system has no memory left even after the cache is emptied.
  void* acquire(std::size_t bytes);
  void release(void* data, std::size_t bytes) noexcept;
  // Frees every cached buffer.
  void release_all();
  MemoryCounters counters();
  void reset_peak();

 private:
  void note_in_use(std::size_t bytes);

  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
  MemoryCounters counters_;
};

}  // namespace pare::kernels::cpu
