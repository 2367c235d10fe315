// DeviceCollectives: all-reduce and broadcast across ranks over a device's own memory (NCCL for
// CUDA), for the runtime's communicator (runtime/distributed/mpi_communicator.h). Host memory (the
// CPU, the host-guarded device) goes over MPI instead. Free of CUDA and NCCL types so that the
// runtime compiles the same with or without them; a backend offers its group through
// Backend::join_collectives (kernels/backend.h).
#pragma once

#include <array>
#include <cstddef>

#include "kernels/context.h"

namespace pare::kernels {

// What collectives carry: the element types of gradients, statistics and counters.
enum class CollectiveElement { f32, f64, i64 };

// The id one rank makes and every rank joins a group with (NCCL_UNIQUE_ID_BYTES for NCCL).
constexpr std::size_t kCollectiveGroupIdBytes = 128;
using CollectiveGroupId = std::array<char, kCollectiveGroupIdBytes>;

class DeviceCollectives {
 public:
  virtual ~DeviceCollectives() = default;
  // What carries them ("NCCL"), for messages.
  virtual const char* library() const = 0;
  // In place, on the context's stream. `max` reduces by maximum instead of sum.
  virtual void all_reduce(void* data, std::size_t count, CollectiveElement element, bool max,
                          const Context& context) = 0;
  virtual void broadcast(void* data, std::size_t bytes, int root, const Context& context) = 0;
};

}  // namespace pare::kernels
