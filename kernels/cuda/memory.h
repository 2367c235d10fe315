// CUDA device memory and copies. Memory comes from the device's stream-ordered pool
// (cudaMallocAsync) with its release threshold raised, so freed blocks stay in the pool and a
// steady-state training step makes no cudaMalloc/cudaFree. Implemented in kernels/cuda/memory.cu;
// kernels/no_cuda stubs it in a build without the toolkit.
#pragma once

#include <cstddef>
#include <string>

namespace pare::kernels::cuda {

// False in a build without the CUDA toolkit (kernels/no_cuda), where everything else here throws.
bool built_with_cuda();
// Number of visible CUDA devices; 0 when the driver reports none (no error is thrown for that).
int device_count();
std::string device_name(int device);
void* device_malloc(int device, std::size_t bytes);
void device_free(int device, void* ptr);
// Bytes the pool has handed out now, the most since the last reset, and what it holds from the driver.
struct DeviceMemoryStats {
  std::size_t in_use_bytes = 0;
  std::size_t peak_in_use_bytes = 0;
  std::size_t reserved_bytes = 0;
};
DeviceMemoryStats device_memory_stats(int device);
void reset_device_peak_memory(int device);
// The first bad input a kernel on `device` recorded since the last call (kernels/cuda/device_error.h),
// cleared; empty when there is none. Meaningful after a copy from the device has synchronised it.
std::string take_device_error(int device);
void copy_host_to_device(int device, void* dst, const void* src, std::size_t bytes);
void copy_device_to_host(int device, void* dst, const void* src, std::size_t bytes);
void copy_device_to_device(int device, void* dst, const void* src, std::size_t bytes);
// Waits for everything queued on the device's stream.
void synchronize(int device);

}  // namespace pare::kernels::cuda
