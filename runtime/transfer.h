// copy_between_devices and the count of copies that cross between host and device memory: the only
// way host code gets at device data, so a training step's host reads can be counted and reported.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/device.h"

namespace pare {

struct TransferStats {
  std::uint64_t to_host = 0;  // copies from a device (CUDA or host-guarded) into CPU memory
  std::uint64_t to_host_bytes = 0;
  std::uint64_t to_device = 0;  // copies from CPU memory onto a device
  std::uint64_t to_device_bytes = 0;
};
TransferStats transfer_stats();
void reset_transfer_stats();

// Copies `bytes` packed bytes from `src` (memory of `from`) to `dst` (memory of `to`). Copies within
// one device go through its kernels instead (Tensor::copy_).
void copy_between_devices(void* dst, Device to, const void* src, Device from, std::size_t bytes);

// Waits until the device has finished the work queued on it (timing, before reading a clock), then
// raises what its kernels recorded as bad input since the last read, as a copy to the host does. No-op
// on the CPU and the host-guarded device, whose kernels finish before they return.
void synchronize(Device device);

}  // namespace pare
