#include "runtime/transfer.h"

#include <atomic>

#include "runtime/backends.h"
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

// Bad input the device's kernels found since the last synchronising call surfaces now.
void raise_pending_error(kernels::Backend& owner, Device device) {
  const std::string error = owner.take_pending_error(device.index);
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
  // Every device exchanges data with the host; a copy between two devices goes through the CPU.
  PARE_CHECK(to.is_cpu() || from.is_cpu(), "copy from ", from.str(), " to ", to.str(),
             ": copies go between the CPU and one device (copy to the CPU first)");
  AtomicTransferStats& s = stats();
  if (to.is_cpu()) {
    ++s.to_host;
    s.to_host_bytes += bytes;
  } else {
    ++s.to_device;
    s.to_device_bytes += bytes;
  }
  if (bytes == 0) return;
  if (from.is_cpu()) return backend(to).copy_from_host(to.index, dst, src, bytes);
  kernels::Backend& source = backend(from);
  source.copy_to_host(from.index, dst, src, bytes);
  // The copy synchronised the device.
  raise_pending_error(source, from);
}

void synchronize(Device device) {
  kernels::Backend& owner = backend(device);
  owner.synchronize(device.index);
  raise_pending_error(owner, device);
}

}  // namespace pare
