#include "kernels/blas_info.h"

#include <cblas.h>

namespace pare::kernels::cpu {

std::string blas_description() {
  return std::string(openblas_get_config()) + " (core " + openblas_get_corename() + ")";
}

}  // namespace pare::kernels::cpu
