// keep_mask_slice, keep_mask, apply_keep_mask: dropout's Philox keep/drop decisions and their use.
// Element e of a stream drawn at Philox counter c uses lane e % 4 of counter c + e / 4, so every
// decision depends only on (seed, c, e): the same for any thread count, slicing or device.
#pragma once

#include <cstdint>

#include "kernels/context.h"
#include "kernels/host_device.h"
#include "kernels/philox.h"

namespace pare::kernels {

// Philox counters a stream of n decisions consumes.
constexpr std::uint64_t keep_mask_counters(std::int64_t n) { return static_cast<std::uint64_t>((n + 3) / 4); }

// Whether element e of the stream drawn at (seed, counter) is kept: one decision on its own, for
// kernels that meet elements one at a time (attention on CUDA).
PARE_HOST_DEVICE inline bool keeps_element(std::uint64_t seed, std::uint64_t counter, std::int64_t e, float p) {
  const Philox4 r = philox4x32(seed, counter + static_cast<std::uint64_t>(e / 4), 0);
  return uniform_from_bits(r.v[e % 4]) > p;
}

}  // namespace pare::kernels

namespace pare::kernels::cpu {

// mask[i] = 1 when element first + i of the stream is kept (with probability 1 - p), else 0.
// Single-threaded, for callers that already run one slice per thread (attention).
void keep_mask_slice(std::uint8_t* mask, std::int64_t n, std::uint64_t seed, std::uint64_t counter, std::int64_t first,
                     float p);
// keep_mask_slice over elements [0, n), spread over threads.
void keep_mask(const Context& ctx, std::uint8_t* mask, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
               float p);
// out[i] = mask[i] ? x[i] * scale : 0: dropout's forward and, applied to the gradient, its backward.
void apply_keep_mask(const Context& ctx, const float* x, const std::uint8_t* mask, float scale, float* out,
                     std::int64_t n);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::keep_mask) keep_mask;
decltype(cpu::apply_keep_mask) apply_keep_mask;
}  // namespace pare::kernels::cuda
