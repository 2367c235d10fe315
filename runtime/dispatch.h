// The one seam between ops and kernels: an op names a kernel and the device its tensors live on, and
// PARE_LAUNCH runs that device's backend's version of it with that device's context. Ops never name
// a backend; a backend's kernels are its KernelTable (kernels/kernel_table.h), found through
// runtime/backends.h.
#pragma once

#include <chrono>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "kernels/kernel_table.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/kernel_profile.h"
#include "runtime/kernel_work.h"
#include "runtime/transfer.h"  // synchronize

namespace pare {

// The kernels that run on `device` (the CPU's for the CPU and the host-guarded device), and the context
// they run with there.
const kernels::KernelTable& kernel_table(Device device);
const kernels::Context& kernel_context(Device device);
[[noreturn]] void throw_missing_kernel(const char* kernel, Device device);

// Runs `entry` of the device's table. Errors a kernel throws (a target out of range, a CUDA status)
// come back as pare::Error naming the kernel. With the kernel profile on (runtime/kernel_profile.h),
// its time is recorded with its work (runtime/kernel_work.h).
template <auto Entry, typename... Args>
decltype(auto) launch(Device device, const char* kernel, Args&&... args) {
  auto* fn = kernel_table(device).*Entry;
  if (fn == nullptr) throw_missing_kernel(kernel, device);
  try {
    if (!kernel_profile_enabled()) return fn(kernel_context(device), std::forward<Args>(args)...);
    const KernelWork work = KernelWorkOf<Entry>::of(args...);
    synchronize(device);
    const auto start = std::chrono::steady_clock::now();
    const auto record = [&] {
      synchronize(device);
      record_kernel_time(kernel, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                         work.flops, work.bytes);
    };
    if constexpr (std::is_void_v<decltype(fn(kernel_context(device), std::forward<Args>(args)...))>) {
      fn(kernel_context(device), std::forward<Args>(args)...);
      record();
    } else {
      auto result = fn(kernel_context(device), std::forward<Args>(args)...);
      record();
      return result;
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string(kernel) + " on " + device.str() + ": " + e.what());
  }
}

}  // namespace pare

#define PARE_LAUNCH(device, kernel, ...) \
  ::pare::launch<&::pare::kernels::KernelTable::kernel>((device), #kernel, __VA_ARGS__)
