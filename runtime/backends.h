// The backend of each device type (kernels/backend.h): the CPU's for the CPU and the host-guarded
// device, CUDA's for CUDA devices where this pare was built with it. Everything in runtime/ that
// touches a device's memory, copies, synchronisation or kernels goes through here.
#pragma once

#include "kernels/backend.h"
#include "runtime/device.h"

namespace pare {

// Null when this pare was built without the device type's backend.
kernels::Backend* find_backend(DeviceType type);
// The backend of `device`; throws pare::Error when this pare was built without it ("pare was built
// without CUDA support") or when the device is not present.
kernels::Backend& backend(Device device);

}  // namespace pare
