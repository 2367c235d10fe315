// The CUDA backend: kernels/cuda's kernels on CUDA devices, their stream-ordered memory pools, copies
// through the default stream, errors kernels record in host-mapped memory, NCCL for collectives.
// Plain C++: the runtime registers it (runtime/backends.cpp) without CUDA's headers.
#pragma once

#include "kernels/backend.h"

namespace pare::kernels::cuda {

Backend& backend();

}  // namespace pare::kernels::cuda
