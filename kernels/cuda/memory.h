// CUDA device memory and copies, for the CUDA backend (kernels/cuda/backend.cu). Memory comes from the
// device's stream-ordered pool (cudaMallocAsync) with its release threshold raised, so freed blocks
// stay in the pool and a steady-state training step makes no cudaMalloc/cudaFree.
#pragma once

#include <cstddef>
#include <string>

#include "kernels/memory_counters.h"

namespace pare::kernels::cuda {

// Number of visible CUDA devices; 0 when the driver reports none (no error is thrown for that).
int device_count();
std::string device_name(int device);
void* device_malloc(int device, std::size_t bytes);
void device_free(int device, void* ptr);
// What the pool has handed out, its peak, and what it holds from the driver beyond that.
MemoryCounters device_memory(int device);
void reset_device_peak_memory(int device);
// Returns the pool's unused blocks to the driver.
void trim_device_memory(int device);
void copy_host_to_device(int device, void* dst, const void* src, std::size_t bytes);
void copy_device_to_host(int device, void* dst, const void* src, std::size_t bytes);
// Waits for everything queued on the device's stream.
void synchronize(int device);

}  // namespace pare::kernels::cuda
