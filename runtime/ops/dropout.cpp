#include "runtime/ops/dropout.h"

#include "kernels/dropout.h"  // keep_mask, keep_mask_counters, apply_keep_mask
#include "runtime/autograd.h"
#include "runtime/dispatch.h"

namespace pare {
namespace {

// x * mask * scale, whose gradient is the same product applied to the upstream gradient.
Tensor apply_keep_mask(const Tensor& x, const Tensor& mask, float scale) {
  const Tensor in = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  PARE_LAUNCH(x.device(), apply_keep_mask, in.device_data<float>(), mask.device_data<std::uint8_t>(), scale,
              out.device_data<float>(), out.numel());
  return record(out, "dropout", {x}, [mask, scale](const Tensor& g, const NeedsGrad&) {
    return std::vector<Tensor>{apply_keep_mask(g, mask, scale)};
  });
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  check_dtype(x, DType::f32, "dropout", "x");
  PARE_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0.0) return x;
  const std::int64_t n = x.numel();
  Tensor mask = Tensor::empty(x.shape(), DType::u8, x.device());
  PARE_LAUNCH(x.device(), keep_mask, mask.device_data<std::uint8_t>(), n, gen.seed(),
              gen.reserve(kernels::keep_mask_counters(n)), static_cast<float>(p));
  // p == 1 keeps nothing, so the scale is never applied; avoid dividing by zero.
  const float scale = p < 1.0 ? static_cast<float>(1.0 / (1.0 - p)) : 0.0f;
  return apply_keep_mask(x, mask, scale);
}

}  // namespace pare
