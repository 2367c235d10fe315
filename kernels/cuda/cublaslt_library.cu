#include <dlfcn.h>

#include <stdexcept>
#include <string>

#include "kernels/cuda/cublaslt_library.h"

namespace pare::kernels::cuda {
namespace {

template <typename Fn>
void resolve(void* library, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (fn == nullptr) throw std::runtime_error(std::string("cuBLASLt: ") + name + " not found: " + dlerror());
}

CublasLtLibrary open_cublaslt() {
  const std::string name = "libcublasLt.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    throw std::runtime_error("cannot load " + name + " (" + dlerror() + "); CUDA GEMMs with a bias need cuBLASLt " +
                             std::to_string(CUBLAS_VER_MAJOR) + " on the library path");
  }
  CublasLtLibrary lib{};
  resolve(library, "cublasLtCreate", lib.create);
  resolve(library, "cublasLtMatmulDescCreate", lib.desc_create);
  resolve(library, "cublasLtMatmulDescSetAttribute", lib.desc_set);
  resolve(library, "cublasLtMatrixLayoutCreate", lib.layout_create);
  resolve(library, "cublasLtMatmulPreferenceCreate", lib.preference_create);
  resolve(library, "cublasLtMatmulPreferenceSetAttribute", lib.preference_set);
  resolve(library, "cublasLtMatmulPreferenceDestroy", lib.preference_destroy);
  resolve(library, "cublasLtMatmulAlgoGetHeuristic", lib.heuristic);
  resolve(library, "cublasLtMatmul", lib.matmul);
  return lib;
}

}  // namespace

const CublasLtLibrary& cublaslt() {
  static const CublasLtLibrary lib = open_cublaslt();
  return lib;
}

}  // namespace pare::kernels::cuda
