#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>

#include "kernels/cuda/check.h"
#include "kernels/cuda/device_error.h"

namespace pare::kernels::cuda {
namespace {

struct Slot {
  DeviceError* host = nullptr;
  void* device = nullptr;
};

Slot& slot_of(int device) {
  static std::mutex mutex;
  static std::map<int, Slot> slots;
  std::lock_guard lock(mutex);
  Slot& slot = slots[device];
  if (slot.host == nullptr) {
    PARE_CUDA_CHECK(cudaSetDevice(device));
    void* host = nullptr;
    PARE_CUDA_CHECK(cudaHostAlloc(&host, sizeof(DeviceError), cudaHostAllocMapped));
    slot.host = static_cast<DeviceError*>(host);
    *slot.host = DeviceError{0, 0, 0, 0};
    PARE_CUDA_CHECK(cudaHostGetDevicePointer(&slot.device, host, 0));
  }
  return slot;
}

}  // namespace

void* device_error_slot(int device) { return slot_of(device).device; }

std::string take_device_error(int device) {
  DeviceError* e = slot_of(device).host;
  if (e->code == kNoDeviceError) return {};
  std::string message;
  if (e->code == kNotFinite) {
    const auto bits = static_cast<std::uint32_t>(e->value);
    float value = 0.0f;
    std::memcpy(&value, &bits, sizeof value);
    message = "entry " + std::to_string(e->position) + " is not finite (" + std::to_string(value) + ")";
  } else {
    message = "index " + std::to_string(e->value) + " at position " + std::to_string(e->position) +
              " out of range [0, " + std::to_string(e->bound) + ")";
  }
  message += " (found by a kernel on cuda:" + std::to_string(device) + ", reported at the next read)";
  *e = DeviceError{kNoDeviceError, 0, 0, 0};
  return message;
}

}  // namespace pare::kernels::cuda
