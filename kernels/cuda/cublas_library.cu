#include <string>

#include "kernels/cuda/cublas_library.h"
#include "kernels/cuda/shared_library.h"

namespace pare::kernels::cuda {
namespace {

CublasLibrary open_cublas() {
  const std::string name = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* library = open_shared_library(name, "CUDA GEMMs need cuBLAS " + std::to_string(CUBLAS_VER_MAJOR));
  CublasLibrary lib{};
  resolve_symbol(library, "cuBLAS", "cublasCreate_v2", lib.create);
  resolve_symbol(library, "cuBLAS", "cublasSetMathMode", lib.set_math_mode);
  resolve_symbol(library, "cuBLAS", "cublasSetStream_v2", lib.set_stream);
  resolve_symbol(library, "cuBLAS", "cublasSgemm_v2", lib.sgemm);
  resolve_symbol(library, "cuBLAS", "cublasGemmStridedBatchedEx", lib.gemm_strided_batched_ex);
  resolve_symbol(library, "cuBLAS", "cublasGemmBatchedEx", lib.gemm_batched_ex);
  resolve_symbol(library, "cuBLAS", "cublasGetStatusName", lib.status_name);
  resolve_symbol(library, "cuBLAS", "cublasGetStatusString", lib.status_string);
  return lib;
}

}  // namespace

const CublasLibrary& cublas() {
  static const CublasLibrary lib = open_cublas();
  return lib;
}

}  // namespace pare::kernels::cuda
