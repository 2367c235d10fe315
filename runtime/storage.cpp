#include "runtime/storage.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "kernels/cuda_memory.h"  // device_malloc, device_free, device_memory_stats
#include "runtime/error.h"

namespace pare {
namespace {

constexpr std::size_t kAlignment = 64;
// Buffers above this many cached bytes are freed instead of kept.
constexpr std::size_t kMaxCachedBytes = std::size_t{2} << 30;

// Rounds to a multiple of the alignment below 1 MiB and to a multiple of 64 KiB above, so similar
// sizes share cache slots without wasting more than a few percent.
std::size_t rounded_size(std::size_t bytes) {
  const std::size_t step = bytes < (std::size_t{1} << 20) ? kAlignment : (std::size_t{1} << 16);
  return (std::max<std::size_t>(bytes, 1) + step - 1) / step * step;
}

class CpuBufferCache {
 public:
  void* acquire(std::size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end()) {
        void* ptr = it->second;
        free_.erase(it);
        stats_.cached_bytes -= bytes;
        note_in_use(bytes);
        return ptr;
      }
    }
    void* ptr = std::aligned_alloc(kAlignment, bytes);
    if (ptr == nullptr) {
      release_all();
      ptr = std::aligned_alloc(kAlignment, bytes);
    }
    if (ptr == nullptr) throw Error(detail::concat("out of CPU memory allocating ", bytes, " bytes"));
    std::lock_guard lock(mutex_);
    note_in_use(bytes);
    return ptr;
  }

  void release(void* ptr, std::size_t bytes) {
    std::lock_guard lock(mutex_);
    stats_.in_use_bytes -= bytes;
    if (stats_.cached_bytes + bytes > kMaxCachedBytes) {
      std::free(ptr);
      return;
    }
    free_.emplace(bytes, ptr);
    stats_.cached_bytes += bytes;
  }

  void release_all() {
    std::lock_guard lock(mutex_);
    for (auto& [bytes, ptr] : free_) std::free(ptr);
    free_.clear();
    stats_.cached_bytes = 0;
  }

  MemoryStats stats() {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  void reset_peak() {
    std::lock_guard lock(mutex_);
    stats_.peak_in_use_bytes = stats_.in_use_bytes;
  }

 private:
  void note_in_use(std::size_t bytes) {
    stats_.in_use_bytes += bytes;
    stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
  }

  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
  MemoryStats stats_;
};

CpuBufferCache& cpu_cache() {
  // Never destroyed: tensors in static objects may release buffers during exit.
  static auto* cache = new CpuBufferCache();
  return *cache;
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(std::size_t bytes, Device device) {
  const std::size_t size = rounded_size(bytes);
  // The host-guarded device's memory is host memory; only the runtime's rules about reading it differ.
  if (!device.is_cuda()) return std::shared_ptr<Storage>(new Storage(cpu_cache().acquire(size), size, device));
  PARE_CHECK(kernels::cuda::built_with_cuda(), "cannot use ", device.str(), ": pare was built without CUDA support");
  const int visible = kernels::cuda::device_count();
  PARE_CHECK(device.index < visible, "CUDA device ", device.str(), " is not present (", visible, " visible)");
  return std::shared_ptr<Storage>(new Storage(kernels::cuda::device_malloc(device.index, size), size, device));
}

Storage::~Storage() {
  if (!device_.is_cuda()) {
    cpu_cache().release(data_, bytes_);
    return;
  }
  try {
    kernels::cuda::device_free(device_.index, data_);
  } catch (...) {
    // A destructor must not throw; a failed cudaFree at teardown leaves nothing to recover.
  }
}

MemoryStats memory_stats(Device device) {
  if (!device.is_cuda()) return cpu_cache().stats();
  const kernels::cuda::DeviceMemoryStats s = kernels::cuda::device_memory_stats(device.index);
  return {s.in_use_bytes, s.peak_in_use_bytes, s.reserved_bytes - s.in_use_bytes};
}

void reset_peak_memory(Device device) {
  if (!device.is_cuda()) return cpu_cache().reset_peak();
  kernels::cuda::reset_device_peak_memory(device.index);
}
void release_cached_cpu_memory() { cpu_cache().release_all(); }

}  // namespace pare
