// masked_fill and the additive attention mask built from a padding mask.
#pragma once

#include "runtime/tensor.h"

namespace pare {

// Where mask (u8, broadcastable to x) is non-zero, the result is `value`; elsewhere x.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// HF attention_mask [B, S] (1 = token, 0 = padding; u8, i32, i64 or f32) -> f32 [B, 1, 1, S]
// holding 0 for tokens and the most negative finite f32 for padding, to add to attention scores.
Tensor additive_attention_mask(const Tensor& attention_mask);

}  // namespace pare
