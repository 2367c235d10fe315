// PARE_CUDA_CHECK: every CUDA runtime call is checked and reports the statement, file and line.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace pare::kernels::cuda {

// kernels/ sit below runtime/, so they throw std::runtime_error; pare::Error derives from it and
// callers catch either.
[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* stmt, const char* file, int line) {
  throw std::runtime_error(std::string("CUDA error ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) +
                           ") in " + stmt + " at " + file + ":" + std::to_string(line));
}

}  // namespace pare::kernels::cuda

#define PARE_CUDA_CHECK(stmt)                                                             \
  do {                                                                                    \
    cudaError_t pare_cuda_err_ = (stmt);                                                  \
    if (pare_cuda_err_ != cudaSuccess)                                                    \
      ::pare::kernels::cuda::throw_cuda_error(pare_cuda_err_, #stmt, __FILE__, __LINE__); \
  } while (0)
