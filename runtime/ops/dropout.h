// dropout: seeded (Philox), identical for any thread count.
#pragma once

#include "runtime/random.h"
#include "runtime/tensor.h"

namespace pare {

// Zeroes each element with probability p and scales the rest by 1 / (1 - p) when `training`;
// returns x unchanged otherwise or when p == 0.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);

}  // namespace pare
