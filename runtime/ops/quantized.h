// Int8 inference ops (kernels/int8.h): quantize_rows, dequantize_rows, int8_linear and
// int8_embedding. Symmetric int8 with one f32 scale per row throughout: a weight [out, in] has one
// scale per output channel, an activation one per row (token), an embedding table one per row.
// They record no gradient: an int8 model is for inference, and asking for a gradient through one
// is refused, saying to train the f32 model and quantize it again.
#pragma once

#include "runtime/tensor.h"

namespace pare {

// x (f32, [..., cols]) as int8 values of the same shape and one f32 scale per row ([...]): x[r, c]
// is about values[r, c] * scale[r], within scale[r] / 2. A row with NaN or an infinity gets scale
// NaN, so that what is computed from it is NaN too.
struct QuantizedRows {
  Tensor values;  // i8
  Tensor scale;   // f32
};
QuantizedRows quantize_rows(const Tensor& x);
// values [..., cols] (i8) * scale [...] (f32) -> f32 [..., cols].
Tensor dequantize_rows(const Tensor& values, const Tensor& scale);

// x [..., in] (f32) -> [..., out] (f32): x's rows quantized as they arrive, times weight [out, in]
// (i8, one f32 scale per output channel in weight_scale [out]) in integers, scaled back, + bias
// [out] (f32) when defined. The weight is packed once per open ParameterCache (runtime/
// parameter_cache.h), else on every call.
Tensor int8_linear(const Tensor& x, const Tensor& weight, const Tensor& weight_scale, const Tensor& bias = Tensor());
// The same from rows quantize_rows already made of x ([..., in]): one quantization shared by the
// layers that read the same input (attention's query, key and value).
Tensor int8_linear(const QuantizedRows& x, const Tensor& weight, const Tensor& weight_scale,
                   const Tensor& bias = Tensor());

// table [n, dim] (i8) with scale [n] (f32), ids [...] (i32 or i64) -> [..., dim] (f32): rows of the
// table, scaled back. An id outside [0, n) is refused, naming it and its position.
Tensor int8_embedding(const Tensor& table, const Tensor& scale, const Tensor& ids);

}  // namespace pare
