#include "runtime/dispatch.h"

#include <map>
#include <mutex>

namespace pare {

const kernels::KernelTable& kernel_table(Device device) {
  return device.is_cuda() ? kernels::cuda::kernel_table() : kernels::cpu::kernel_table();
}

const kernels::Context& kernel_context(Device device) {
  static const kernels::Context host{};
  if (!device.is_cuda()) return host;
  // One context per CUDA device for the life of the process (its handles are never destroyed: kernels
  // may still run from static objects during exit).
  static std::mutex mutex;
  static std::map<int, kernels::Context> contexts;
  std::lock_guard lock(mutex);
  auto it = contexts.find(device.index);
  if (it == contexts.end()) it = contexts.emplace(device.index, kernels::cuda::make_context(device.index)).first;
  return it->second;
}

void throw_missing_kernel(const char* kernel, Device device) {
  throw Error(std::string(kernel) + ": the " + kernel_table(device).backend + " backend has no kernel for it yet (" +
              device.str() + ")");
}

}  // namespace pare
