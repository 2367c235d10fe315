// binary_broadcast and scale_add: element-wise f32 arithmetic with broadcasting.
#pragma once

#include <cstdint>

#include "kernels/context.h"
#include "kernels/host_device.h"

namespace pare::kernels {

enum class BinaryOp : std::uint8_t { add, sub, mul, div };

// x op y, one definition for the CPU and CUDA kernels.
template <BinaryOp Op>
PARE_HOST_DEVICE inline float apply_binary(float x, float y) {
  if constexpr (Op == BinaryOp::add) return x + y;
  if constexpr (Op == BinaryOp::sub) return x - y;
  if constexpr (Op == BinaryOp::mul) return x * y;
  return x / y;
}

}  // namespace pare::kernels

namespace pare::kernels::cpu {

// out[i] = a[ia] op b[ib] over `shape` (ndim <= 8), where ia and ib come from per-input strides in
// elements; a stride of 0 broadcasts that axis. `out` is packed.
void binary_broadcast(const Context& ctx, BinaryOp op, const float* a, const std::int64_t* a_strides, const float* b,
                      const std::int64_t* b_strides, float* out, const std::int64_t* shape, int ndim);
// out[i] = alpha * x[i] + beta.
void scale_add(const Context& ctx, const float* x, float alpha, float beta, float* out, std::int64_t n);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::binary_broadcast) binary_broadcast;
decltype(cpu::scale_add) scale_add;
}  // namespace pare::kernels::cuda
