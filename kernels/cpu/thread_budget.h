// How many OpenMP threads a kernel's work deserves. Waking a thread and handing it part of a small
// product costs more than the part takes: the operands sit in the caller's cache, the other thread
// first pulls them across, and where threads sleep between regions (OMP_WAIT_POLICY=PASSIVE, or a
// spin that ran out) each region also waits for a wake-up. So every CPU kernel gives each thread at
// least a measured amount of work (products: multiply-adds; element-wise kernels: the constant each
// measured) and runs smaller work on the calling thread alone, with no parallel region at all. The
// split never changes a result: kernels partition work into the same blocks whatever the count.
// Private to kernels/cpu.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace pare::kernels::cpu {

// Multiply-adds a matrix product must give each thread: two threads from 4M. Measured on 2 Zen 5
// cores inside models (bench/compact_models, seq 64; the default run's models, medians of 5
// alternated rounds): at batch 1 the products of the hidden-192 final model (1.5-4.7M
// multiply-adds, 15-50 us on one thread) ran no faster on two threads than on one, and under
// OMP_WAIT_POLICY=PASSIVE took 2.3x as long (the model 1.52 ms against 0.73 with them on one
// thread), while BERT-mini's (12.6-16.8M) ran 1.7x faster on two. With 1M, 2M and 4M a thread the
// models ran within noise of each other except batch 8 of the final model (2.56 ms at 2M, 3.13 at
// 4M, whose output projections, 6.3M, then ran on one thread).
constexpr std::int64_t kProductWorkPerThread = std::int64_t{1} << 21;

// Threads for `work` units when each thread must get at least `per_thread` of them: between 1 and
// the OpenMP thread count.
inline int threads_for(std::int64_t work, std::int64_t per_thread) {
  const std::int64_t most = omp_get_max_threads();
  return static_cast<int>(std::clamp<std::int64_t>(work / std::max<std::int64_t>(per_thread, 1), 1, most));
}

inline int product_threads(std::int64_t m, std::int64_t n, std::int64_t k) {
  return threads_for(m * n * k, kProductWorkPerThread);
}

// Threads for element-wise work (elements, rows or bytes, as each kernel counts it) that two threads
// were measured to speed up from `parallel_above`, the constant at each kernel: each thread gets at
// least half of that, so on a machine with many cores a kernel takes more threads only as its work
// grows, and on two cores it runs as measured.
inline int elementwise_threads(std::int64_t work, std::int64_t parallel_above) {
  return threads_for(work, std::max<std::int64_t>(parallel_above / 2, 1));
}

// Caps the OpenMP thread count of the calling thread for a scope: oneDNN sizes its parallel regions
// (and a primitive made in the scope its plan) by omp_get_max_threads(), so this is how a product is
// given fewer threads. A cap at or above the current count changes nothing.
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads) : saved_(omp_get_max_threads()) {
    if (threads < saved_) omp_set_num_threads(std::max(threads, 1));
  }
  ~ThreadLimit() {
    if (omp_get_max_threads() != saved_) omp_set_num_threads(saved_);
  }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int saved_;
};

}  // namespace pare::kernels::cpu
