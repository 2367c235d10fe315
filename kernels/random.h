// random_normal, random_uniform: Philox-based, so results depend only on
// (seed, counter) and not on the thread count.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels {

// Element i uses Philox counter `counter + i / 4`; n elements consume random_counters(n) counters.
constexpr std::uint64_t random_counters(std::int64_t n) { return static_cast<std::uint64_t>((n + 3) / 4); }

}  // namespace pare::kernels

namespace pare::kernels::cpu {

void random_normal(const Context& ctx, float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
                   float mean, float std);
void random_uniform(const Context& ctx, float* out, std::int64_t n, std::uint64_t seed, std::uint64_t counter,
                    float low, float high);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::random_normal) random_normal;
decltype(cpu::random_uniform) random_uniform;
}  // namespace pare::kernels::cuda
