// Backend: one kind of device as the runtime sees it. Its kernels (KernelTable) and everything the
// runtime needs around them: memory, copies to and from the host, synchronisation, the bad input a
// kernel recorded, how many devices there are, collectives across ranks. The runtime holds one per
// device type (runtime/backends.cpp, the one place that names backends) and reaches every backend
// through this interface only; ggml's backend interface is the model.
//
// Adding a backend (HIP, SYCL, Metal): its folder under kernels/ with its kernels, a table filled by
// PARE_FILL_KERNEL_TABLE and a class implementing this interface, then one line in
// runtime/backends.cpp (and its device type's name in runtime/device.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "kernels/collectives.h"   // DeviceCollectives, CollectiveGroupId
#include "kernels/context.h"       // Context
#include "kernels/kernel_table.h"  // KernelTable
#include "kernels/memory_counters.h"

namespace pare::kernels {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual const KernelTable& kernels() const = 0;
  // "cpu", "cuda": the name messages use.
  const char* name() const { return kernels().backend; }
  // True where the host can address the memory directly (the CPU's): collectives then go over MPI.
  virtual bool host_memory() const = 0;

  // Devices usable now; 0 when the driver reports none (not an error).
  virtual int device_count() = 0;
  virtual std::string device_name(int device) = 0;
  // What kernels on `device` run with; made at the first call and kept for the life of the process
  // (kernels may still run from static objects during exit).
  virtual const Context& context(int device) = 0;

  // Memory. `release` is called from destructors and never throws.
  virtual void* allocate(int device, std::size_t bytes) = 0;
  virtual void release(int device, void* data, std::size_t bytes) noexcept = 0;
  virtual MemoryCounters memory(int device) = 0;
  // Starts the peak over from what is in use now.
  virtual void reset_peak_memory(int device) = 0;
  // Returns memory freed but kept for reuse to the system (or the driver).
  virtual void release_cached_memory(int device) = 0;

  // Copies between the host's memory and the device's. A copy to the host waits for the device's
  // queued work, so the bad input its kernels found so far can be taken afterwards.
  virtual void copy_from_host(int device, void* dst, const void* src, std::size_t bytes) = 0;
  virtual void copy_to_host(int device, void* dst, const void* src, std::size_t bytes) = 0;
  // Waits for everything queued on the device.
  virtual void synchronize(int device) = 0;
  // The first bad input a kernel on `device` recorded (an index out of range) since the last call,
  // cleared; empty when there is none. Meaningful after a synchronising copy or synchronize.
  virtual std::string take_pending_error(int device) = 0;

  // Collectives across ranks over this backend's memory, for a backend whose memory is not the host's.
  // One rank makes the id, every rank joins with it (collective); each throws naming what failed.
  virtual CollectiveGroupId new_collective_group_id() = 0;
  virtual std::unique_ptr<DeviceCollectives> join_collectives(const CollectiveGroupId& id, int rank, int size,
                                                              int device) = 0;
};

}  // namespace pare::kernels
