#include "kernels/cpu/buffer_cache.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace pare::kernels::cpu {
namespace {

constexpr std::size_t kAlignment = 64;
// Buffers above this many cached bytes are freed instead of kept.
constexpr std::size_t kMaxCachedBytes = std::size_t{2} << 30;

}  // namespace

void* BufferCache::acquire(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    auto it = free_.find(bytes);
    if (it != free_.end()) {
      void* data = it->second;
      free_.erase(it);
      counters_.cached_bytes -= bytes;
      note_in_use(bytes);
      return data;
    }
  }
  void* data = std::aligned_alloc(kAlignment, bytes);
  if (data == nullptr) {
    release_all();
    data = std::aligned_alloc(kAlignment, bytes);
  }
  if (data == nullptr) throw std::runtime_error("out of CPU memory allocating " + std::to_string(bytes) + " bytes");
  std::lock_guard lock(mutex_);
  note_in_use(bytes);
  return data;
}

void BufferCache::release(void* data, std::size_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  counters_.in_use_bytes -= bytes;
  if (counters_.cached_bytes + bytes > kMaxCachedBytes) {
    std::free(data);
    return;
  }
  free_.emplace(bytes, data);
  counters_.cached_bytes += bytes;
}

void BufferCache::release_all() {
  std::lock_guard lock(mutex_);
  for (auto& [bytes, data] : free_) std::free(data);
  free_.clear();
  counters_.cached_bytes = 0;
}

MemoryCounters BufferCache::counters() {
  std::lock_guard lock(mutex_);
  return counters_;
}

void BufferCache::reset_peak() {
  std::lock_guard lock(mutex_);
  counters_.peak_in_use_bytes = counters_.in_use_bytes;
}

void BufferCache::note_in_use(std::size_t bytes) {
  counters_.in_use_bytes += bytes;
  counters_.peak_in_use_bytes = std::max(counters_.peak_in_use_bytes, counters_.in_use_bytes);
}

}  // namespace pare::kernels::cpu
