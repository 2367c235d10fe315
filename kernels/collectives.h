// NcclGroup: NCCL's collectives over CUDA memory for the runtime's communicator
// (runtime/distributed/mpi_communicator.h), behind an interface free of CUDA and NCCL types so that
// the runtime compiles the same with or without them. libnccl is opened with dlopen at the first
// group, like cuBLAS: a pare that never trains on several GPUs never loads it.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

#include "kernels/context.h"

namespace pare::kernels {

// What collectives carry: the element types of gradients, statistics and counters.
enum class CollectiveElement { f32, f64, i64 };

// NCCL_UNIQUE_ID_BYTES: the id one rank makes and every rank joins with.
constexpr std::size_t kNcclIdBytes = 128;
using NcclId = std::array<char, kNcclIdBytes>;

class NcclGroup {
 public:
  virtual ~NcclGroup() = default;
  // In place, on the context's stream. `max` picks ncclMax over ncclSum.
  virtual void all_reduce(void* data, std::size_t count, CollectiveElement element, bool max,
                          const Context& context) = 0;
  virtual void broadcast(void* data, std::size_t bytes, int root, const Context& context) = 0;
};

// Made on one rank and sent to the others (an MPI broadcast) before they all call make_nccl_group.
NcclId nccl_unique_id();
// Joins the group of `size` ranks as `rank`, on CUDA device `cuda_device`. Collective: every rank
// calls it. Throws std::runtime_error naming the NCCL call, its status and file:line, or saying that
// this pare was built without NCCL.
std::unique_ptr<NcclGroup> make_nccl_group(const NcclId& id, int rank, int size, int cuda_device);

}  // namespace pare::kernels
