// softmax and log_softmax over the last axis.
#pragma once

#include "runtime/tensor.h"

namespace pare {

Tensor softmax(const Tensor& x);
Tensor log_softmax(const Tensor& x);

}  // namespace pare
