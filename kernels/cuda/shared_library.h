// Opening a CUDA library with dlopen when it is first needed (cuBLAS, cuBLASLt: each over 100 MB, whose
// load at start-up cost every pare process 0.8 s, GPU or not) and resolving its entry points.
#pragma once

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace pare::kernels::cuda {

// The library `name` (e.g. "libcublas.so.13"); throws naming it, dlerror() and what needs it.
inline void* open_shared_library(const std::string& name, const std::string& needed_for) {
  void* library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    throw std::runtime_error("cannot load " + name + " (" + dlerror() + "); " + needed_for + " on the library path");
  }
  return library;
}

template <typename Fn>
void resolve_symbol(void* library, const char* library_name, const char* symbol, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(library, symbol));
  if (fn == nullptr) throw std::runtime_error(std::string(library_name) + ": " + symbol + " not found: " + dlerror());
}

}  // namespace pare::kernels::cuda
