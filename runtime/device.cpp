#include "runtime/device.h"

#include <algorithm>

#include "runtime/backends.h"           // find_backend
#include "runtime/distributed/world.h"  // local_rank
#include "runtime/error.h"

namespace pare {

std::string Device::str() const {
  switch (type) {
    case DeviceType::cpu:
      return "cpu";
    case DeviceType::cuda:
      return "cuda:" + std::to_string(index);
    case DeviceType::guarded:
      return "guarded";
  }
  return "unknown";
}

Device parse_device(const std::string& text) {
  if (text == "cpu") return Device::cpu();
  if (text == "guarded") return Device::guarded();
  // One GPU per rank: the ranks a launcher started on one machine take its GPUs in turn.
  if (text == "cuda") return Device::cuda(local_rank() > 0 ? local_rank() % std::max(1, cuda_device_count()) : 0);
  if (text.rfind("cuda:", 0) == 0) {
    const std::string digits = text.substr(5);
    PARE_CHECK(!digits.empty() && digits.size() < 6 && digits.find_first_not_of("0123456789") == std::string::npos,
               "invalid device '", text, "' (expected cpu, cuda, cuda:N or guarded)");
    return Device::cuda(std::stoi(digits));
  }
  throw Error("invalid device '" + text + "' (expected cpu, cuda, cuda:N or guarded)");
}

int cuda_device_count() {
  kernels::Backend* cuda = find_backend(DeviceType::cuda);
  return cuda != nullptr ? cuda->device_count() : 0;
}

}  // namespace pare
