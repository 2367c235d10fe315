// blas_description: which library and instruction set the CPU's matrix products run on, for reports
// and selftest.
#pragma once

#include <string>

namespace pare::kernels::cpu {

// For example "oneDNN 2.6.3 (OpenMP), ISA avx512_core_bf16".
std::string blas_description();

}  // namespace pare::kernels::cpu
