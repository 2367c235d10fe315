// sum_of_squares: the reduction behind global gradient-norm clipping.
#pragma once

#include <cstdint>

namespace pare::kernels::cpu {

// Sum of x[i]^2 accumulated in double over fixed blocks that are then added in order, so the
// result does not depend on the thread count.
double sum_of_squares(const float* x, std::int64_t n);

}  // namespace pare::kernels::cpu
