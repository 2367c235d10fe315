// scaled_dot_product_attention: softmax(q k^T / sqrt(d) + mask) v as one op with its own backward.
#pragma once

#include "runtime/random.h"
#include "runtime/tensor.h"

namespace pare {

// q [B, H, T, d], k and v [B, H, S, d]; additive_mask undefined or broadcastable to [B, H, T, S]
// (for example additive_attention_mask's [B, 1, 1, S]); dropout on the attention probabilities
// with probability dropout_p when gen is given. Returns [B, H, T, d]; when q is a head-split view
// ([B, T, H, d] memory seen through a permutation) the result is laid out the same way, so permuting
// it back is a view. Inputs whose rows are contiguous are read in place, without copies.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& additive_mask = Tensor(), double dropout_p = 0.0,
                                    Generator* gen = nullptr);

}  // namespace pare
