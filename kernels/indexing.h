// copy_rows, gather_rows, scatter_add_rows: the memory movement behind concat, index_select and
// embedding lookup.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// Copies `rows` packed rows of `row_bytes` from `src` into `dst`, whose rows start `dst_row_bytes`
// apart: one input's share of a concatenation.
void copy_rows(const Context& ctx, const void* src, void* dst, std::int64_t rows, std::int64_t row_bytes,
               std::int64_t dst_row_bytes);

// With x viewed as [outer, n, inner]: out[o, j, :] = x[o, idx[j], :] for j < m. An idx[j] outside
// [0, n) throws std::out_of_range naming it and its (flat) position j.
void gather_rows(const Context& ctx, const float* x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                 const std::int64_t* idx, std::int64_t m, float* out);

// The gradient of gather_rows: grad_x[o, idx[j], :] += grad_out[o, j, :], adding into what grad_x
// holds. Each output element is summed by one thread, which adds the entries j that hit it in order
// of j, so repeated indices add up in the same order for any thread count and on every backend (CUDA
// sorts the indices stably to find them). Entries j with idx[j] == skip_index add nothing
// (an embedding's padding row learns nothing); -1 skips none.
void scatter_add_rows(const Context& ctx, const float* grad_out, std::int64_t outer, std::int64_t m, std::int64_t inner,
                      const std::int64_t* idx, std::int64_t n, std::int64_t skip_index, float* grad_x);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::gather_rows) gather_rows;
decltype(cpu::scatter_add_rows) scatter_add_rows;
decltype(cpu::copy_rows) copy_rows;
}  // namespace pare::kernels::cuda
