// cuBLASLt, loaded with dlopen like cuBLAS (kernels/cuda/cublas_library.h) and for the same reason:
// linking it costs every pare process the load of a 500 MB library, GPU or not. Only the entry points
// pare calls are resolved.
#pragma once

#include <cublasLt.h>

namespace pare::kernels::cuda {

struct CublasLtLibrary {
  decltype(&cublasLtCreate) create;
  decltype(&cublasLtMatmulDescCreate) desc_create;
  decltype(&cublasLtMatmulDescSetAttribute) desc_set;
  decltype(&cublasLtMatrixLayoutCreate) layout_create;
  decltype(&cublasLtMatmulPreferenceCreate) preference_create;
  decltype(&cublasLtMatmulPreferenceSetAttribute) preference_set;
  decltype(&cublasLtMatmulPreferenceDestroy) preference_destroy;
  decltype(&cublasLtMatmulAlgoGetHeuristic) heuristic;
  decltype(&cublasLtMatmul) matmul;
};

// Opens libcublasLt.so.<major of the headers> once; throws naming the library and dlerror() when it
// cannot be opened or lacks an entry point.
const CublasLtLibrary& cublaslt();

}  // namespace pare::kernels::cuda
