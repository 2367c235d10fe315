#include "kernels/cuda/check.h"
#include "kernels/cuda_memory.h"

namespace pare::kernels::cuda {

bool built_with_cuda() { return true; }

int device_count() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  // No driver or no device is a normal answer on CPU-only machines, not an error.
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) {
    cudaGetLastError();
    return 0;
  }
  PARE_CUDA_CHECK(err);
  return count;
}

std::string device_name(int device) {
  cudaDeviceProp prop{};
  PARE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

void* device_malloc(int device, std::size_t bytes) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  void* ptr = nullptr;
  PARE_CUDA_CHECK(cudaMalloc(&ptr, bytes));
  return ptr;
}

void device_free(int device, void* ptr) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  PARE_CUDA_CHECK(cudaFree(ptr));
}

void copy_host_to_device(int device, void* dst, const void* src, std::size_t bytes) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  PARE_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}

void copy_device_to_host(int device, void* dst, const void* src, std::size_t bytes) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  PARE_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}

void copy_device_to_device(int device, void* dst, const void* src, std::size_t bytes) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  PARE_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
}

}  // namespace pare::kernels::cuda
