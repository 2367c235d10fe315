// MpiCommunicator: the job mpirun (or another MPI launcher) started, as a Communicator. Host memory
// goes through MPI; a device's own memory (CUDA's) through its backend's collectives (NCCL), a group
// joined at the first collective on the device, its id sent from rank 0 by an MPI broadcast. MPI calls return their
// errors (MPI_ERRORS_RETURN) and each is checked with its statement, file and line.
#pragma once

#include <memory>
#include <string>

#include "kernels/collectives.h"  // DeviceCollectives
#include "runtime/distributed/communicator.h"

namespace pare {

class MpiCommunicator final : public Communicator {
 public:
  // Initialises MPI (one thread calls it) unless something else did.
  MpiCommunicator();
  // Finalises MPI when this object initialised it. A rank that fails calls abort() instead: it
  // must not wait in MPI_Finalize for ranks that wait in a collective for it.
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override {
    return device_group_ ? std::string("MPI + ") + device_group_->library() : "MPI";
  }
  void all_reduce(void* data, std::size_t count, CollectiveElement element, ReduceOp op, Device device) override;
  void broadcast(void* data, std::size_t bytes, int root, Device device) override;
  void barrier() override;
  [[noreturn]] void abort(int status) override;

 private:
  // The collectives of `device`'s backend, joined by every rank at the first collective on it.
  kernels::DeviceCollectives& device_group(Device device);

  int rank_ = 0;
  int size_ = 1;
  bool initialised_here_ = false;
  std::unique_ptr<kernels::DeviceCollectives> device_group_;
  Device group_device_;
};

}  // namespace pare
