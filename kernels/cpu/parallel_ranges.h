// Element-wise CPU kernels in two parts: a range function that vectorises (`#pragma omp simd`) and is
// compiled twice, for AVX-512 (x86-64-v4) and for the build's baseline (AVX2 + FMA), the loader
// picking the one the CPU runs (GCC's target_clones, an ifunc); and parallel_ranges, which hands each
// OpenMP thread one contiguous range. The split is needed because the body of an OpenMP parallel
// region is outlined into a function of its own that would not carry the clones. Measured on Zen 5:
// the AVX-512 clone of GELU's erf form runs about 1.8x the AVX2 one; private to kernels/cpu.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "kernels/cpu/thread_budget.h"

// Clang (the fuzzing build) does not clone templates; it compiles the baseline alone.
#if defined(__clang__)
#define PARE_VECTOR_CLONES
#else
#define PARE_VECTOR_CLONES [[gnu::target_clones("arch=x86-64-v4", "default")]]
#endif

namespace pare::kernels::cpu {

// body(begin, end) over [0, n) in one range per thread (multiples of `align` elements but the last),
// or in one call when n is at most `serial_up_to`; threads as elementwise_threads gives them.
template <typename Body>
void parallel_ranges(std::int64_t n, std::int64_t serial_up_to, std::int64_t align, const Body& body) {
  const int threads = elementwise_threads(n, serial_up_to);
  if (threads < 2) {
    if (n > 0) body(std::int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t threads = omp_get_num_threads(), thread = omp_get_thread_num();
    const std::int64_t per_thread = ((n + threads - 1) / threads + align - 1) / align * align;
    const std::int64_t begin = std::min(n, thread * per_thread), end = std::min(n, begin + per_thread);
    if (begin < end) body(begin, end);
  }
}

}  // namespace pare::kernels::cpu
