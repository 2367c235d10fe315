// mask_expand, mask_reduce, keep_top_k, sigmoid_at_least: the loops of pruning masks, so that masks,
// scores and importance stay on the model's device.
//
// A mask layout maps a parameter viewed as [rows, cols] (all axes but the last, and the last) to
// mask entries through two index arrays in the device's memory: element (r, c) belongs to entry
// row_index[r] + col_index[c]. A shared layout (a 1-D mask over both axes of a square parameter, as
// the pooler's hidden x hidden weight) instead belongs to entries row_index[r] and col_index[c] at
// once, -1 meaning none. col_index never decreases (the last axis maps to entries in blocks, in order),
// which lets a device kernel find an entry's columns by binary search.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// out[r, c] = entries[row_index[r] + col_index[c]], or for a shared layout the product of the two
// entries (1 where the index is -1).
void mask_expand(const Context& ctx, const float* entries, bool shared, const std::int64_t* row_index,
                 const std::int64_t* col_index, std::int64_t rows, std::int64_t cols, float* out);
// The transpose: out[e] = the sum of x over the elements of entry e, summed in double in row-major
// order; `entries` outputs. A shared layout adds element (r, c) to entry row_index[r] and to entry
// col_index[c], and once where the two are the same entry (the diagonal of the pooler's block):
// entry e sums the elements it covers, each once, as prune/mask_layout.h's reduce() promises.
void mask_reduce(const Context& ctx, const float* x, bool shared, const std::int64_t* row_index,
                 const std::int64_t* col_index, std::int64_t rows, std::int64_t cols, std::int64_t entries, float* out);

// out[i] = 1 for the k largest values, 0 for the rest; equal values keep the lower position first. A
// value that is not finite throws std::invalid_argument naming it.
void keep_top_k(const Context& ctx, const float* values, std::int64_t n, std::int64_t k, float* out);
// out[i] = 1 where sigmoid(values[i]) (in double) >= threshold, else 0; a value that is not finite
// throws std::invalid_argument naming it.
void sigmoid_at_least(const Context& ctx, const float* values, std::int64_t n, double threshold, float* out);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::mask_expand) mask_expand;
decltype(cpu::mask_reduce) mask_reduce;
decltype(cpu::keep_top_k) keep_top_k;
decltype(cpu::sigmoid_at_least) sigmoid_at_least;
}  // namespace pare::kernels::cuda
