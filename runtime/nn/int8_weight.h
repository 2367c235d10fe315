// The int8 form of a module's weight, shared by Linear and Embedding (runtime/ops/quantized.h):
// "weight" becomes the int8 values ([rows, cols]) and "weight_scale" holds one f32 scale per row.
#pragma once

#include "runtime/nn/module.h"

namespace pare {

// Replaces `module`'s "weight" with `values` (i8, the weight's shape) and sets or registers its
// "weight_scale" to `scale` (f32 [rows]); throws pare::Error naming `who` when they do not fit.
void set_int8_weight(Module& module, const char* who, Tensor values, Tensor scale);

}  // namespace pare
