// The one seam between ops and kernels: an op names a kernel and the device its tensors live on, and
// PARE_LAUNCH runs that device's backend's version of it with that device's context. Ops never name
// a backend; a backend is a KernelTable (kernels/kernel_table.h).
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "kernels/kernel_table.h"
#include "runtime/device.h"
#include "runtime/error.h"

namespace pare {

// The kernels that run on `device`: the CPU's for the CPU and the host-guarded device.
const kernels::KernelTable& kernel_table(Device device);
const kernels::Context& kernel_context(Device device);
[[noreturn]] void throw_missing_kernel(const char* kernel, Device device);

// Runs `entry` of the device's table. Errors a kernel throws (a target out of range, a CUDA status)
// come back as pare::Error naming the kernel.
template <typename Fn, typename... Args>
decltype(auto) launch(Device device, Fn* kernels::KernelTable::*entry, const char* kernel, Args&&... args) {
  Fn* fn = kernel_table(device).*entry;
  if (fn == nullptr) throw_missing_kernel(kernel, device);
  try {
    return fn(kernel_context(device), std::forward<Args>(args)...);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string(kernel) + " on " + device.str() + ": " + e.what());
  }
}

}  // namespace pare

#define PARE_LAUNCH(device, kernel, ...) \
  ::pare::launch((device), &::pare::kernels::KernelTable::kernel, #kernel, __VA_ARGS__)
