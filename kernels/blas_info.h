// blas_description: which BLAS build and CPU kernel the GEMMs run on, for reports and selftest.
#pragma once

#include <string>

namespace pare::kernels::cpu {

// For example "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64 (core SkylakeX)".
std::string blas_description();

}  // namespace pare::kernels::cpu
