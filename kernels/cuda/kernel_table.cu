// The CUDA backend's kernel table. Kernels land here one line each as kernels/cuda/*.cu gains them;
// an entry left null is reported by the runtime as missing on the device.
#include "kernels/kernel_table.h"

namespace pare::kernels::cuda {

const KernelTable& kernel_table() {
  static const KernelTable table = [] {
    KernelTable t{"cuda"};
    t.strided_copy = strided_copy;
    t.fill = fill;
    t.convert = convert;
    t.random_normal = random_normal;
    t.random_uniform = random_uniform;
    return t;
  }();
  return table;
}

}  // namespace pare::kernels::cuda
