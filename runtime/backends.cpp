// The one place that names backends: a device type's backend is registered here, once. A build
// without a backend's toolkit leaves its line out, and asking for its devices says so.
#include "runtime/backends.h"

#include <array>

#include "kernels/cpu/backend.h"
#include "runtime/error.h"
#if PARE_HAVE_CUDA
#include "kernels/cuda/backend.h"
#endif

namespace pare {
namespace {

constexpr std::size_t kDeviceTypes = 3;

std::array<kernels::Backend*, kDeviceTypes> registered_backends() {
  std::array<kernels::Backend*, kDeviceTypes> backends{};
  backends[static_cast<std::size_t>(DeviceType::cpu)] = &kernels::cpu::backend();
  backends[static_cast<std::size_t>(DeviceType::guarded)] = &kernels::cpu::backend();
#if PARE_HAVE_CUDA
  backends[static_cast<std::size_t>(DeviceType::cuda)] = &kernels::cuda::backend();
#endif
  return backends;
}

// What a build without the type's backend says.
const char* support_name(DeviceType type) {
  switch (type) {
    case DeviceType::cuda:
      return "CUDA";
    case DeviceType::cpu:
    case DeviceType::guarded:
      break;
  }
  return "this device's";
}

}  // namespace

kernels::Backend* find_backend(DeviceType type) {
  static const std::array<kernels::Backend*, kDeviceTypes> backends = registered_backends();
  const auto slot = static_cast<std::size_t>(type);
  return slot < backends.size() ? backends[slot] : nullptr;
}

kernels::Backend& backend(Device device) {
  kernels::Backend* found = find_backend(device.type);
  PARE_CHECK(found != nullptr, "cannot use ", device.str(), ": pare was built without ", support_name(device.type),
             " support");
  return *found;
}

}  // namespace pare
