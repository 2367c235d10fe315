// Storage: one owned buffer on one device, shared by every tensor that views it.
#pragma once

#include <cstddef>
#include <memory>

#include "runtime/device.h"

namespace pare {

// Memory comes from the device's backend (runtime/backends.h): on the CPU 64-byte aligned buffers
// from a size-keyed cache, so a training step that allocates the same shapes every iteration does
// not fault fresh pages in each time; on CUDA the device's stream-ordered pool.
class Storage {
 public:
  static std::shared_ptr<Storage> allocate(std::size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  Storage(void* data, std::size_t bytes, Device device) : data_(data), bytes_(bytes), device_(device) {}
  void* data_;
  std::size_t bytes_;
  Device device_;
};

// Tensor memory of a device, for benchmarks and peak-memory reports: the CPU buffer cache (which the
// host-guarded device shares) or a CUDA device's pool. Cached bytes are freed buffers kept for reuse.
struct MemoryStats {
  std::size_t in_use_bytes = 0;
  std::size_t peak_in_use_bytes = 0;
  std::size_t cached_bytes = 0;
};
MemoryStats memory_stats(Device device = Device::cpu());
// Starts the peak over from what is in use now.
void reset_peak_memory(Device device = Device::cpu());
// Returns every cached (unused) CPU buffer to the system.
void release_cached_cpu_memory();

}  // namespace pare
