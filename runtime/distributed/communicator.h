// Communicator: the collectives data-parallel training needs (all-reduce, broadcast, barrier) over
// the ranks of one job, whatever carries them: nothing in a single process, MPI for host memory,
// NCCL for CUDA memory (runtime/distributed/mpi_communicator.h). Every rank must make the same calls
// in the same order with the same sizes; a failure throws pare::Error on the rank that sees it.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "kernels/collectives.h"  // CollectiveElement
#include "runtime/device.h"
#include "runtime/tensor.h"

namespace pare {

enum class ReduceOp { sum, max };
using kernels::CollectiveElement;

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "single process", "MPI", "MPI + NCCL" (once a collective on CUDA memory has run).
  virtual std::string backend() const = 0;

  // In place over `count` elements at `data`, in the memory of `device` (host memory for the CPU and
  // the host-guarded device). The result is the same on every rank.
  virtual void all_reduce(void* data, std::size_t count, CollectiveElement element, ReduceOp op, Device device) = 0;
  // `bytes` bytes at `data` on rank `root` are copied to every other rank's `data`.
  virtual void broadcast(void* data, std::size_t bytes, int root, Device device) = 0;
  virtual void barrier() = 0;
  // Ends every rank's process with `status`: how a rank that failed releases the ranks waiting for
  // it in a collective. A single process just exits.
  [[noreturn]] virtual void abort(int status) = 0;
};

// A contiguous tensor (f32 or i64), in place.
void all_reduce(Communicator& comm, const Tensor& tensor, ReduceOp op = ReduceOp::sum);
void broadcast(Communicator& comm, const Tensor& tensor, int root = 0);
// Host numbers, in place.
void all_reduce(Communicator& comm, std::span<double> values, ReduceOp op = ReduceOp::sum);
double all_reduce(Communicator& comm, double value, ReduceOp op = ReduceOp::sum);
// Rank `root`'s text on every rank.
std::string broadcast(Communicator& comm, const std::string& text, int root = 0);

}  // namespace pare
