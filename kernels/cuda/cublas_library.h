// cuBLAS, loaded when the first CUDA context is made rather than when pare starts: libcublasLt alone
// is over 500 MB, and linking it made every pare process (each test, each CLI call) spend about
// 0.8 s in the dynamic loader, GPU or not. Only the entry points pare calls are resolved.
#pragma once

#include <cublas_v2.h>

namespace pare::kernels::cuda {

struct CublasLibrary {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasSgemmBatched) sgemm_batched;
  decltype(&cublasSgemmStridedBatched) sgemm_strided_batched;
  decltype(&cublasGetStatusName) status_name;
  decltype(&cublasGetStatusString) status_string;
};

// Opens libcublas.so.<major of the headers> once; throws naming the library and dlerror() when it
// cannot be opened or lacks an entry point.
const CublasLibrary& cublas();

}  // namespace pare::kernels::cuda
