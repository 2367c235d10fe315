// CUDA device memory and copies: the part of the CUDA backend the runtime needs today.
// Implemented in kernels/cuda/memory.cu; only compiled when the CUDA toolkit is found.
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
void copy_host_to_device(int device, void* dst, const void* src, std::size_t bytes);
void copy_device_to_host(int device, void* dst, const void* src, std::size_t bytes);
void copy_device_to_device(int device, void* dst, const void* src, std::size_t bytes);

}  // namespace pare::kernels::cuda
