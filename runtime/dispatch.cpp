#include "runtime/dispatch.h"

#include "runtime/backends.h"

namespace pare {

const kernels::KernelTable& kernel_table(Device device) { return backend(device).kernels(); }

const kernels::Context& kernel_context(Device device) { return backend(device).context(device.index); }

void throw_missing_kernel(const char* kernel, Device device) {
  throw Error(std::string(kernel) + ": the " + kernel_table(device).backend + " backend has no kernel for it yet (" +
              device.str() + ")");
}

}  // namespace pare
