// Context: what a kernel needs of its device besides the pointers it is given.
#pragma once

#include <cstddef>

namespace pare::kernels {

// One per device, made by the runtime and passed to every kernel. CPU kernels need none of it; a CUDA
// kernel launches on `stream`, a cuBLAS GEMM uses `blas`, a cuBLASLt one `blas_lt` and the scratch
// `workspace`. The
// library types stay opaque here so that headers every backend includes compile without them.
struct Context {
  int device = 0;
  void* stream = nullptr;
  void* blas = nullptr;
  void* blas_lt = nullptr;
  void* workspace = nullptr;
  std::size_t workspace_bytes = 0;
  // Where a device kernel reports bad input it finds (an index out of range): host-mapped memory the
  // runtime reads after its next transfer from the device (kernels/cuda/device_error.h).
  void* error = nullptr;
};

}  // namespace pare::kernels
