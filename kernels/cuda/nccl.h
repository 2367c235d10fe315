// NCCL's collectives over CUDA memory, for the CUDA backend (Backend::join_collectives).
// libnccl.so.2 is opened with dlopen at the first group, like cuBLAS: a pare that never trains on
// several GPUs never loads it. A build without nccl.h links kernels/cuda/without_nccl.cpp instead.
#pragma once

#include <memory>

#include "kernels/collectives.h"

namespace pare::kernels::cuda {

// Made on one rank and sent to the others (an MPI broadcast) before they all call join_nccl.
CollectiveGroupId new_nccl_id();
// Joins the group of `size` ranks as `rank`, on CUDA device `device`. Collective: every rank calls
// it. Throws std::runtime_error naming the NCCL call, its status and file:line, or saying that this
// pare was built without NCCL.
std::unique_ptr<DeviceCollectives> join_nccl(const CollectiveGroupId& id, int rank, int size, int device);

}  // namespace pare::kernels::cuda
