// sum_axis: the reduction behind sum/mean and behind undoing broadcasting in gradients.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// x viewed as [outer, reduce, inner]; out[o, i] = sum over r of x[o, r, i]. Each output is summed
// by one thread in a fixed order, so results do not depend on the thread count.
void sum_axis(const Context& ctx, const float* x, float* out, std::int64_t outer, std::int64_t reduce,
              std::int64_t inner);

}  // namespace pare::kernels::cpu
