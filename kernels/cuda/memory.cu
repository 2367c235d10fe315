#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernels/cuda/check.h"
#include "kernels/cuda/driver_version.h"
#include "kernels/cuda/memory.h"

namespace pare::kernels::cuda {

int device_count() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  // No device, or no driver at all, is the normal answer on CPU-only machines; a driver too old for
  // this runtime is not (driver_version.h).
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) {
    cudaGetLastError();
    int driver = 0, runtime = 0;
    if (err == cudaErrorInsufficientDriver && cudaDriverGetVersion(&driver) == cudaSuccess &&
        cudaRuntimeGetVersion(&runtime) == cudaSuccess) {
      const std::string message = insufficient_driver_message(driver, runtime);
      if (!message.empty()) throw std::runtime_error(message);
    }
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

namespace {

// The device's default memory pool, told once to keep what is freed instead of returning it to the
// driver at every synchronisation.
cudaMemPool_t pool_of(int device) {
  static std::mutex mutex;
  static std::map<int, cudaMemPool_t> pools;
  std::lock_guard lock(mutex);
  auto [it, inserted] = pools.try_emplace(device);
  if (inserted) {
    PARE_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&it->second, device));
    std::uint64_t keep_everything = UINT64_MAX;
    PARE_CUDA_CHECK(cudaMemPoolSetAttribute(it->second, cudaMemPoolAttrReleaseThreshold, &keep_everything));
  }
  return it->second;
}

std::size_t pool_attribute(int device, cudaMemPoolAttr attribute) {
  std::uint64_t value = 0;
  PARE_CUDA_CHECK(cudaMemPoolGetAttribute(pool_of(device), attribute, &value));
  return static_cast<std::size_t>(value);
}

}  // namespace

void* device_malloc(int device, std::size_t bytes) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  void* ptr = nullptr;
  // Stream-ordered on the default stream, where the kernels run: a block freed after a kernel is
  // reused by the next allocation without waiting for the host.
  PARE_CUDA_CHECK(cudaMallocFromPoolAsync(&ptr, bytes, pool_of(device), nullptr));
  return ptr;
}

void device_free(int device, void* ptr) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  PARE_CUDA_CHECK(cudaFreeAsync(ptr, nullptr));
}

MemoryCounters device_memory(int device) {
  const std::size_t in_use = pool_attribute(device, cudaMemPoolAttrUsedMemCurrent);
  return {in_use, pool_attribute(device, cudaMemPoolAttrUsedMemHigh),
          pool_attribute(device, cudaMemPoolAttrReservedMemCurrent) - in_use};
}

void reset_device_peak_memory(int device) {
  std::uint64_t zero = 0;
  PARE_CUDA_CHECK(cudaMemPoolSetAttribute(pool_of(device), cudaMemPoolAttrUsedMemHigh, &zero));
}

void trim_device_memory(int device) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  // Blocks still owed to queued frees are returned once those have run.
  PARE_CUDA_CHECK(cudaStreamSynchronize(nullptr));
  PARE_CUDA_CHECK(cudaMemPoolTrimTo(pool_of(device), 0));
}

void copy_host_to_device(int device, void* dst, const void* src, std::size_t bytes) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  // Stream-ordered: from pageable memory the source is staged before the call returns (the caller may
  // free or reuse it at once), and the host does not wait for the kernels queued before, as cudaMemcpy
  // would. From pinned memory the copy would still be pending on return; pare copies from none (its
  // one pinned allocation, device_error.cu's mapped error slot, is never copied), and a caller that
  // brings pinned memory here must synchronise before reusing it.
  PARE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, nullptr));
}

void copy_device_to_host(int device, void* dst, const void* src, std::size_t bytes) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  PARE_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}

void synchronize(int device) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  PARE_CUDA_CHECK(cudaStreamSynchronize(nullptr));
}

}  // namespace pare::kernels::cuda
