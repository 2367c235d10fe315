// StridedPair: one logical shape read through two sets of strides (source and destination of a copy,
// the two operands of a broadcast), passed to a kernel by value so it needs no device copy of the
// host arrays.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pare::kernels::cuda {

struct StridedPair {
  static constexpr int kMaxDims = 8;
  std::int64_t shape[kMaxDims];
  std::int64_t first_strides[kMaxDims];
  std::int64_t second_strides[kMaxDims];
  int ndim;
  std::int64_t numel;

  // Throws std::invalid_argument naming `kernel` beyond kMaxDims dimensions.
  static StridedPair make(const char* kernel, const std::int64_t* shape, const std::int64_t* first,
                          const std::int64_t* second, int ndim) {
    if (ndim > kMaxDims) throw std::invalid_argument(std::string(kernel) + ": at most 8 dimensions on CUDA");
    StridedPair p{};
    p.ndim = ndim;
    p.numel = 1;
    for (int d = 0; d < ndim; ++d) {
      p.shape[d] = shape[d];
      p.first_strides[d] = first[d];
      p.second_strides[d] = second[d];
      p.numel *= shape[d];
    }
    return p;
  }

  // The two element offsets of logical (row-major) element i.
  __device__ void offsets(std::int64_t i, std::int64_t& first, std::int64_t& second) const {
    first = 0;
    second = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const std::int64_t index = i % shape[d];
      i /= shape[d];
      first += index * first_strides[d];
      second += index * second_strides[d];
    }
  }
};

}  // namespace pare::kernels::cuda
