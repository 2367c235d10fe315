// What cudaGetDeviceCount's cudaErrorInsufficientDriver means. With no NVIDIA driver installed at all
// (cudaDriverGetVersion gives 0: a machine without a GPU) it is the normal answer "no devices". With a
// driver older than the CUDA runtime pare was built with, the GPU is there and unusable: reading that
// as "no GPU" would make every CUDA test skip and a GPU check pass having run nothing, so it is an
// error naming both versions. Host code, tested on the CPU.
#pragma once

#include <string>

namespace pare::kernels::cuda {

// "12.4" for CUDA's version number 12040.
inline std::string cuda_version_string(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

// "" when there is no driver (driver_version 0); else the error to raise.
inline std::string insufficient_driver_message(int driver_version, int runtime_version) {
  if (driver_version == 0) return "";
  return "the NVIDIA driver supports CUDA up to " + cuda_version_string(driver_version) +
         ", older than the CUDA runtime pare was built with (" + cuda_version_string(runtime_version) +
         "): the GPU cannot be used; install a newer driver, or build pare with a CUDA toolkit the driver supports";
}

}  // namespace pare::kernels::cuda
