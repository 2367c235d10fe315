// masked_fill, padding_to_additive: the element loops behind masked_fill and the additive
// attention mask.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// out[i] = mask[i] ? value : x[i].
void masked_fill(const Context& ctx, const float* x, const std::uint8_t* mask, float value, float* out, std::int64_t n);
// out[i] = 0 where padding[i] != 0 (a token), the most negative finite float where it is 0.
void padding_to_additive(const Context& ctx, const float* padding, float* out, std::int64_t n);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::masked_fill) masked_fill;
decltype(cpu::padding_to_additive) padding_to_additive;
}  // namespace pare::kernels::cuda
