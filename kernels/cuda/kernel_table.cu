// The CUDA backend's kernel table. Kernels land here one line each as kernels/cuda/*.cu gains them;
// an entry left null is reported by the runtime as missing on the device.
#include "kernels/kernel_table.h"

namespace pare::kernels::cuda {

const KernelTable& kernel_table() {
  static const KernelTable table{"cuda"};
  return table;
}

}  // namespace pare::kernels::cuda
