// DeviceScratch: device memory one kernel call needs while its launches run (pointer arrays for a
// batched GEMM, a copy of dropped probabilities). It comes from the device's stream-ordered pool and
// goes back to it on the stream, so it costs no cudaMalloc and no wait for the host.
#pragma once

#include <cstddef>

#include "kernels/context.h"
#include "kernels/cuda/memory.h"  // device_malloc, device_free

namespace pare::kernels::cuda {

class DeviceScratch {
 public:
  DeviceScratch(const Context& ctx, std::size_t bytes)
      : device_(ctx.device), data_(bytes == 0 ? nullptr : device_malloc(ctx.device, bytes)) {}
  ~DeviceScratch() {
    if (data_ != nullptr) device_free(device_, data_);
  }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;

  template <typename T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  int device_;
  void* data_;
};

}  // namespace pare::kernels::cuda
