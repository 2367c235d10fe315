#include "runtime/storage.h"

#include <algorithm>
#include <exception>

#include "runtime/backends.h"
#include "runtime/error.h"

namespace pare {
namespace {

constexpr std::size_t kAlignment = 64;

// Rounds to a multiple of the alignment below 1 MiB and to a multiple of 64 KiB above, so similar
// sizes share cache slots without wasting more than a few percent.
std::size_t rounded_size(std::size_t bytes) {
  const std::size_t step = bytes < (std::size_t{1} << 20) ? kAlignment : (std::size_t{1} << 16);
  return (std::max<std::size_t>(bytes, 1) + step - 1) / step * step;
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(std::size_t bytes, Device device) {
  const std::size_t size = rounded_size(bytes);
  kernels::Backend& owner = backend(device);
  const int visible = owner.device_count();
  PARE_CHECK(device.index < visible, "device ", device.str(), " is not present (", visible, " ", owner.name(),
             " device(s) visible)");
  void* data = nullptr;
  try {
    data = owner.allocate(device.index, size);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(e.what());
  }
  return std::shared_ptr<Storage>(new Storage(data, size, device));
}

Storage::~Storage() { backend(device_).release(device_.index, data_, bytes_); }

MemoryStats memory_stats(Device device) {
  const kernels::MemoryCounters c = backend(device).memory(device.index);
  return {c.in_use_bytes, c.peak_in_use_bytes, c.cached_bytes};
}

void reset_peak_memory(Device device) { backend(device).reset_peak_memory(device.index); }

void release_cached_cpu_memory() { backend(Device::cpu()).release_cached_memory(0); }

}  // namespace pare
