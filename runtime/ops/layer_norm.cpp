#include "runtime/ops/layer_norm.h"

#include "kernels/layer_norm.h"  // layer_norm_forward, layer_norm_backward
#include "runtime/autograd.h"
#include "runtime/dispatch.h"

namespace pare {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                  std::optional<std::int64_t> normalized_size) {
  check_dtype(x, DType::f32, "layer_norm", "x");
  check_dtype(weight, DType::f32, "layer_norm", "weight");
  check_dtype(bias, DType::f32, "layer_norm", "bias");
  check_same_device(x, weight, "layer_norm");
  check_same_device(x, bias, "layer_norm");
  PARE_CHECK(x.dim() >= 1 && x.size(-1) > 0, "layer_norm: x needs a non-empty last axis, got shape ",
             shape_str(x.shape()));
  const std::int64_t cols = x.size(-1), rows = x.numel() / cols;
  PARE_CHECK(weight.shape() == Shape{cols} && bias.shape() == Shape{cols}, "layer_norm: weight ",
             shape_str(weight.shape()), " and bias ", shape_str(bias.shape()), " must both be [", cols, "] for x ",
             shape_str(x.shape()));
  PARE_CHECK(eps >= 0.0, "layer_norm: eps must be non-negative, got ", eps);
  const std::int64_t normalized = normalized_size.value_or(cols);
  PARE_CHECK(normalized >= cols, "layer_norm: normalized_size ", normalized, " must be at least the last axis of x ",
             shape_str(x.shape()));

  const Tensor xc = x.detach().contiguous(), w = weight.detach().contiguous(), b = bias.detach().contiguous();
  const Device device = x.device();
  Tensor out = Tensor::empty(x.shape(), DType::f32, device);
  Tensor mean = Tensor::empty({rows}, DType::f32, device), rstd = Tensor::empty({rows}, DType::f32, device);
  PARE_LAUNCH(device, layer_norm_forward, xc.device_data<float>(), w.device_data<float>(), b.device_data<float>(),
              static_cast<float>(eps), out.device_data<float>(), mean.device_data<float>(), rstd.device_data<float>(),
              rows, cols, normalized);

  return record(
      out, "layer_norm", {x, weight, bias},
      [xc, w, mean, rstd, rows, cols, normalized, device](const Tensor& g, const NeedsGrad& needs) {
        const Tensor gc = g.contiguous();
        Tensor dx, dw, db, workspace;
        if (needs[0]) dx = Tensor::empty(xc.shape(), DType::f32, device);
        if (needs[1]) dw = Tensor::empty({cols}, DType::f32, device);
        if (needs[2]) db = Tensor::empty({cols}, DType::f32, device);
        if (needs[1] || needs[2]) {
          workspace =
              Tensor::empty({PARE_LAUNCH(device, layer_norm_backward_workspace, rows, cols)}, DType::f32, device);
        }
        PARE_LAUNCH(device, layer_norm_backward, gc.device_data<float>(), xc.device_data<float>(),
                    mean.device_data<float>(), rstd.device_data<float>(), w.device_data<float>(),
                    dx.defined() ? dx.device_data<float>() : nullptr, dw.defined() ? dw.device_data<float>() : nullptr,
                    db.defined() ? db.device_data<float>() : nullptr,
                    workspace.defined() ? workspace.device_data<float>() : nullptr, rows, cols, normalized);
        return std::vector<Tensor>{dx, dw, db};
      });
}

}  // namespace pare
