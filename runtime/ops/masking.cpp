#include "runtime/ops/masking.h"

#include "kernels/masking.h"  // masked_fill, padding_to_additive
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/elementwise.h"  // broadcast_shapes

namespace pare {

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_dtype(x, DType::f32, "masked_fill", "x");
  check_dtype(mask, DType::u8, "masked_fill", "mask");
  check_same_device(x, mask, "masked_fill");
  PARE_CHECK(broadcast_shapes(mask.shape(), x.shape(), "masked_fill") == x.shape(), "masked_fill: mask of shape ",
             shape_str(mask.shape()), " does not broadcast to x of shape ", shape_str(x.shape()));
  // One byte per element of x: small next to x itself, and it keeps the kernel a plain loop.
  const Tensor packed_mask = mask.expand(x.shape()).contiguous();
  const Tensor in = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  PARE_LAUNCH(x.device(), masked_fill, in.device_data<float>(), packed_mask.device_data<std::uint8_t>(),
              static_cast<float>(value), out.device_data<float>(), out.numel());
  return record(out, "masked_fill", {x}, [packed_mask](const Tensor& g, const NeedsGrad&) {
    return std::vector<Tensor>{masked_fill(g, packed_mask, 0.0)};
  });
}

Tensor additive_attention_mask(const Tensor& attention_mask) {
  check_defined(attention_mask, "additive_attention_mask", "attention_mask");
  PARE_CHECK(attention_mask.dim() == 2, "additive_attention_mask: attention_mask must be [batch, seq], got shape ",
             shape_str(attention_mask.shape()));
  const DType dt = attention_mask.dtype();
  PARE_CHECK(dt == DType::u8 || dt == DType::i32 || dt == DType::i64 || dt == DType::f32,
             "additive_attention_mask: attention_mask must be u8, i32, i64 or f32, got ", dtype_name(dt));
  const Tensor padding = attention_mask.to(DType::f32).contiguous();
  const std::int64_t batch = attention_mask.size(0), seq = attention_mask.size(1);
  Tensor out = Tensor::empty({batch, 1, 1, seq}, DType::f32, attention_mask.device());
  PARE_LAUNCH(attention_mask.device(), padding_to_additive, padding.device_data<float>(), out.device_data<float>(),
              out.numel());
  return out;
}

}  // namespace pare
