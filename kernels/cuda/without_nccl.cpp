// Builds without the CUDA toolkit or without nccl.h: the same symbols, saying so.
#include "kernels/collectives.h"

#include <stdexcept>

namespace pare::kernels {

NcclId nccl_unique_id() {
  throw std::runtime_error("this pare was built without NCCL (nccl.h was not found beside the CUDA toolkit)");
}

std::unique_ptr<NcclGroup> make_nccl_group(const NcclId&, int, int, int) {
  throw std::runtime_error("this pare was built without NCCL (nccl.h was not found beside the CUDA toolkit)");
}

}  // namespace pare::kernels
