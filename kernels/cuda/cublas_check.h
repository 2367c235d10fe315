// PARE_CUBLAS_CHECK: every cuBLAS call is checked and reports the statement, file, line and status.
#pragma once

#include <cublas_v2.h>

#include <stdexcept>
#include <string>

#include "kernels/cuda/cublas_library.h"

namespace pare::kernels::cuda {

[[noreturn]] inline void throw_cublas_error(cublasStatus_t status, const char* stmt, const char* file, int line) {
  throw std::runtime_error(std::string("cuBLAS error ") + cublas().status_name(status) + " (" +
                           cublas().status_string(status) + ") in " + stmt + " at " + file + ":" +
                           std::to_string(line));
}

}  // namespace pare::kernels::cuda

#define PARE_CUBLAS_CHECK(stmt)                                                                  \
  do {                                                                                           \
    cublasStatus_t pare_cublas_status_ = (stmt);                                                 \
    if (pare_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                            \
      ::pare::kernels::cuda::throw_cublas_error(pare_cublas_status_, #stmt, __FILE__, __LINE__); \
  } while (0)
