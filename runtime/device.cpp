#include "runtime/device.h"

#include "runtime/error.h"

#if PARE_HAVE_CUDA
#include "kernels/cuda_memory.h"  // device_count
#endif

namespace pare {

std::string Device::str() const { return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index); }

Device parse_device(const std::string& text) {
  if (text == "cpu") return Device::cpu();
  if (text == "cuda") return Device::cuda(0);
  if (text.rfind("cuda:", 0) == 0) {
    const std::string digits = text.substr(5);
    PARE_CHECK(!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos, "invalid device '", text,
               "' (expected cpu, cuda or cuda:N)");
    return Device::cuda(std::stoi(digits));
  }
  throw Error("invalid device '" + text + "' (expected cpu, cuda or cuda:N)");
}

int cuda_device_count() {
#if PARE_HAVE_CUDA
  return kernels::cuda::device_count();
#else
  return 0;
#endif
}

}  // namespace pare
