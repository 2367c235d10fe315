#include "runtime/transfer.h"

#include <atomic>
#include <cstring>

#include "kernels/cuda_memory.h"  // copy_host_to_device, copy_device_to_host, take_device_error
#include "runtime/error.h"

namespace pare {
namespace {

struct AtomicTransferStats {
  std::atomic<std::uint64_t> to_host{0}, to_host_bytes{0}, to_device{0}, to_device_bytes{0};
};

AtomicTransferStats& stats() {
  static AtomicTransferStats s;
  return s;
}

void raise_device_error(Device device) {
  const std::string error = kernels::cuda::take_device_error(device.index);
  PARE_CHECK(error.empty(), error);
}

}  // namespace

TransferStats transfer_stats() {
  const AtomicTransferStats& s = stats();
  return {s.to_host.load(), s.to_host_bytes.load(), s.to_device.load(), s.to_device_bytes.load()};
}

void reset_transfer_stats() {
  AtomicTransferStats& s = stats();
  s.to_host = 0;
  s.to_host_bytes = 0;
  s.to_device = 0;
  s.to_device_bytes = 0;
}

void copy_between_devices(void* dst, Device to, const void* src, Device from, std::size_t bytes) {
  PARE_CHECK(!(to == from), "copy_between_devices: source and destination are both on ", to.str());
  PARE_CHECK(!(to.is_cuda() && from.is_cuda()), "copy from ", from.str(), " to ", to.str(),
             ": copies between CUDA devices are not supported yet");
  PARE_CHECK(!(to.is_cuda() && from.is_guarded()) && !(to.is_guarded() && from.is_cuda()), "copy from ", from.str(),
             " to ", to.str(), ": the host-guarded device exchanges data with the CPU only");
  AtomicTransferStats& s = stats();
  if (to.is_cpu()) {
    ++s.to_host;
    s.to_host_bytes += bytes;
  } else {
    ++s.to_device;
    s.to_device_bytes += bytes;
  }
  if (bytes == 0) return;
  if (to.is_cuda()) return kernels::cuda::copy_host_to_device(to.index, dst, src, bytes);
  if (from.is_cuda()) {
    kernels::cuda::copy_device_to_host(from.index, dst, src, bytes);
    // The copy synchronised the device: bad input its kernels found since the last read surfaces now.
    raise_device_error(from);
    return;
  }
  std::memcpy(dst, src, bytes);
}

void synchronize(Device device) {
  if (!device.is_cuda()) return;
  kernels::cuda::synchronize(device.index);
  raise_device_error(device);
}

}  // namespace pare
