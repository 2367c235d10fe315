// The CUDA backend's collectives in a build whose toolkit has no nccl.h: saying so.
#include <stdexcept>

#include "kernels/cuda/nccl.h"

namespace pare::kernels::cuda {
namespace {

[[noreturn]] void no_nccl() {
  throw std::runtime_error("this pare was built without NCCL (nccl.h was not found beside the CUDA toolkit)");
}

}  // namespace

CollectiveGroupId new_nccl_id() { no_nccl(); }

std::unique_ptr<DeviceCollectives> join_nccl(const CollectiveGroupId&, int, int, int) { no_nccl(); }

}  // namespace pare::kernels::cuda
