#include <string>

#include "kernels/cuda/cublaslt_library.h"
#include "kernels/cuda/shared_library.h"

namespace pare::kernels::cuda {
namespace {

CublasLtLibrary open_cublaslt() {
  const std::string name = "libcublasLt.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* library = open_shared_library(name, "CUDA GEMMs with a bias need cuBLASLt " + std::to_string(CUBLAS_VER_MAJOR));
  CublasLtLibrary lib{};
  resolve_symbol(library, "cuBLASLt", "cublasLtCreate", lib.create);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatmulDescCreate", lib.desc_create);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatmulDescSetAttribute", lib.desc_set);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatrixLayoutCreate", lib.layout_create);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatmulPreferenceCreate", lib.preference_create);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatmulPreferenceSetAttribute", lib.preference_set);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatmulPreferenceDestroy", lib.preference_destroy);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatmulAlgoGetHeuristic", lib.heuristic);
  resolve_symbol(library, "cuBLASLt", "cublasLtMatmul", lib.matmul);
  return lib;
}

}  // namespace

const CublasLtLibrary& cublaslt() {
  static const CublasLtLibrary lib = open_cublaslt();
  return lib;
}

}  // namespace pare::kernels::cuda
