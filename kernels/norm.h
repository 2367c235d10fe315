// sum_of_squares: the reduction behind global gradient-norm clipping.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// *accumulator (one double in device memory) += sum of x[i]^2, accumulated in double over fixed
// blocks that are then added in order, so the result does not depend on the thread count. Called once
// per tensor, it sums a whole model's gradients for one host read.
void sum_of_squares(const Context& ctx, const float* x, std::int64_t n, double* accumulator);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::sum_of_squares) sum_of_squares;
}  // namespace pare::kernels::cuda
