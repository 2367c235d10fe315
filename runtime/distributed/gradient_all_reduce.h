// GradientAllReduce: sums the gradients of a fixed list of parameters over the ranks of a
// communicator, the step that makes data-parallel training equal to one process with the whole
// batch. Gradients of at least `pack_below` bytes are reduced in place, one call each; smaller ones
// (biases, LayerNorm weights) are packed into flat buckets on their device so that a model's few
// hundred small tensors cost a few calls, not hundreds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/distributed/communicator.h"
#include "runtime/tensor.h"

namespace pare {

struct GradientAllReduceOptions {
  std::size_t pack_below = std::size_t{1} << 20;     // bytes
  std::size_t bucket_bytes = std::size_t{16} << 20;  // of one packed bucket
  // A large gradient is reduced in pieces of at most this many bytes: MPI's reductions allocate
  // temporaries the size of the message, and glibc maps (and page-faults) every allocation over
  // 32 MiB afresh. BERT-base's gradients over 2 CPU ranks: 550 ms whole, 89 ms in 8 MiB pieces,
  // 83 ms in 2 MiB pieces (bench/mpi/all_reduce_bench.cpp).
  std::size_t piece_bytes = std::size_t{2} << 20;
};

class GradientAllReduce {
 public:
  // `params` are the leaves whose grads the optimizer reads, the same list in the same order on
  // every rank (f32, on one device).
  GradientAllReduce(std::vector<Tensor> params, Communicator& comm, GradientAllReduceOptions options = {});

  // After every rank's backward: each gradient becomes the sum over ranks. A gradient missing on
  // some ranks (a rank whose share of the batch did not reach that parameter) counts as zeros there;
  // one missing on every rank stays missing, so the optimizer skips that parameter as it would in
  // one process.
  void reduce();

  // Bytes of gradient the last reduce() summed, and its wall time (on a CUDA device, the time to
  // enqueue: NCCL runs on the stream).
  std::uint64_t last_bytes() const { return last_bytes_; }
  double last_seconds() const { return last_seconds_; }

 private:
  std::vector<Tensor> params_;
  Communicator& comm_;
  GradientAllReduceOptions options_;
  std::uint64_t last_bytes_ = 0;
  double last_seconds_ = 0.0;
};

}  // namespace pare
