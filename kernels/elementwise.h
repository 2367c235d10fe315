// binary_broadcast and scale_add: element-wise f32 arithmetic with broadcasting.
#pragma once

#include <cstdint>

namespace pare::kernels::cpu {

enum class BinaryOp : std::uint8_t { add, sub, mul, div };

// out[i] = a[ia] op b[ib] over `shape` (ndim <= 8), where ia and ib come from per-input strides in
// elements; a stride of 0 broadcasts that axis. `out` is packed.
void binary_broadcast(BinaryOp op, const float* a, const std::int64_t* a_strides, const float* b,
                      const std::int64_t* b_strides, float* out, const std::int64_t* shape, int ndim);
// out[i] = alpha * x[i] + beta.
void scale_add(const float* x, float alpha, float beta, float* out, std::int64_t n);

}  // namespace pare::kernels::cpu
