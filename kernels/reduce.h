// sum_axis: the reduction behind sum/mean and behind undoing broadcasting in gradients.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// x viewed as [outer, reduce, inner]; out[o, i] = sum over r of x[o, r, i]. Each output is summed
// by one thread in a fixed order, so results do not depend on the thread count.
void sum_axis(const Context& ctx, const float* x, float* out, std::int64_t outer, std::int64_t reduce,
              std::int64_t inner);

// out[r] = the first column of the largest entry of row r of x [rows, cols]: the predictions
// evaluation reads back instead of the logits.
void argmax_rows(const Context& ctx, const float* x, std::int64_t rows, std::int64_t cols, std::int64_t* out);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::sum_axis) sum_axis;
decltype(cpu::argmax_rows) argmax_rows;
}  // namespace pare::kernels::cuda
