#include <dlfcn.h>

#include <stdexcept>
#include <string>

#include "kernels/cuda/cublas_library.h"

namespace pare::kernels::cuda {
namespace {

template <typename Fn>
void resolve(void* library, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (fn == nullptr) throw std::runtime_error(std::string("cuBLAS: ") + name + " not found: " + dlerror());
}

CublasLibrary open_cublas() {
  const std::string name = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    throw std::runtime_error("cannot load " + name + " (" + dlerror() + "); CUDA GEMMs need cuBLAS " +
                             std::to_string(CUBLAS_VER_MAJOR) + " on the library path");
  }
  CublasLibrary lib{};
  resolve(library, "cublasCreate_v2", lib.create);
  resolve(library, "cublasSetMathMode", lib.set_math_mode);
  resolve(library, "cublasSetStream_v2", lib.set_stream);
  resolve(library, "cublasSgemm_v2", lib.sgemm);
  resolve(library, "cublasGemmStridedBatchedEx", lib.gemm_strided_batched_ex);
  resolve(library, "cublasGemmBatchedEx", lib.gemm_batched_ex);
  resolve(library, "cublasGetStatusName", lib.status_name);
  resolve(library, "cublasGetStatusString", lib.status_string);
  return lib;
}

}  // namespace

const CublasLibrary& cublas() {
  static const CublasLibrary lib = open_cublas();
  return lib;
}

}  // namespace pare::kernels::cuda
