// cuBLAS, loaded when the first CUDA context is made rather than when pare starts: libcublasLt alone
// is over 500 MB, and linking it made every pare process (each test, each CLI call) spend about
// 0.8 s in the dynamic loader, GPU or not. Only the entry points pare calls are resolved.
#pragma once

#include <cublas_v2.h>

namespace pare::kernels::cuda {

// The header overloads the *Ex products in C++ (a legacy cudaDataType compute type); these are the
// library's own entry points.
using GemmStridedBatchedEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                                const void*, const void*, cudaDataType, int, long long, const void*,
                                                cudaDataType, int, long long, const void*, void*, cudaDataType, int,
                                                long long, int, cublasComputeType_t, cublasGemmAlgo_t);
using GemmBatchedEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                         const void*, const void* const[], cudaDataType, int, const void* const[],
                                         cudaDataType, int, const void*, void* const[], cudaDataType, int, int,
                                         cublasComputeType_t, cublasGemmAlgo_t);

struct CublasLibrary {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSgemm_v2) sgemm;
  GemmStridedBatchedEx gemm_strided_batched_ex;
  GemmBatchedEx gemm_batched_ex;
  decltype(&cublasGetStatusName) status_name;
  decltype(&cublasGetStatusString) status_string;
};

// Opens libcublas.so.<major of the headers> once; throws naming the library and dlerror() when it
// cannot be opened or lacks an entry point.
const CublasLibrary& cublas();

}  // namespace pare::kernels::cuda
