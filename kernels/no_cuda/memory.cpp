// Stubs of kernels/cuda_memory.h for a build without the CUDA toolkit: no device is visible, and
// anything that would touch one says pare was built without CUDA support.
#include <stdexcept>

#include "kernels/cuda_memory.h"

namespace pare::kernels::cuda {
namespace {

[[noreturn]] void no_cuda() { throw std::runtime_error("pare was built without CUDA support"); }

}  // namespace

bool built_with_cuda() { return false; }
int device_count() { return 0; }
std::string device_name(int) { no_cuda(); }
void* device_malloc(int, std::size_t) { no_cuda(); }
void device_free(int, void*) { no_cuda(); }
DeviceMemoryStats device_memory_stats(int) { no_cuda(); }
void reset_device_peak_memory(int) { no_cuda(); }
std::string take_device_error(int) { no_cuda(); }
void copy_host_to_device(int, void*, const void*, std::size_t) { no_cuda(); }
void copy_device_to_host(int, void*, const void*, std::size_t) { no_cuda(); }
void copy_device_to_device(int, void*, const void*, std::size_t) { no_cuda(); }
void synchronize(int) { no_cuda(); }

}  // namespace pare::kernels::cuda
