#include "runtime/ops/layer_norm.h"

#include "kernels/layer_norm.h"  // layer_norm_forward, layer_norm_backward
#include "runtime/autograd.h"
#include "runtime/dispatch.h"

namespace pare {

namespace {

// layer_norm of x + residual (residual undefined: of x) without storing the sum.
Tensor normalize(const Tensor& x, const Tensor& residual, const Tensor& weight, const Tensor& bias, double eps,
                 std::optional<std::int64_t> normalized_size, const char* op) {
  check_dtype(x, DType::f32, op, "x");
  check_dtype(weight, DType::f32, op, "weight");
  check_dtype(bias, DType::f32, op, "bias");
  check_same_device(x, weight, op);
  check_same_device(x, bias, op);
  if (residual.defined()) {
    check_dtype(residual, DType::f32, op, "residual");
    check_same_device(x, residual, op);
    PARE_CHECK(residual.shape() == x.shape(), op, ": residual ", shape_str(residual.shape()), " must have x's shape ",
               shape_str(x.shape()));
  }
  PARE_CHECK(x.dim() >= 1 && x.size(-1) > 0, op, ": x needs a non-empty last axis, got shape ", shape_str(x.shape()));
  const std::int64_t cols = x.size(-1), rows = x.numel() / cols;
  PARE_CHECK(weight.shape() == Shape{cols} && bias.shape() == Shape{cols}, op, ": weight ", shape_str(weight.shape()),
             " and bias ", shape_str(bias.shape()), " must both be [", cols, "] for x ", shape_str(x.shape()));
  PARE_CHECK(eps >= 0.0, op, ": eps must be non-negative, got ", eps);
  const std::int64_t normalized = normalized_size.value_or(cols);
  PARE_CHECK(normalized >= cols, op, ": normalized_size ", normalized, " must be at least the last axis of x ",
             shape_str(x.shape()));

  const Tensor xc = x.detach().contiguous(), w = weight.detach().contiguous(), b = bias.detach().contiguous();
  const Tensor rc = residual.defined() ? residual.detach().contiguous() : Tensor();
  const auto data_or_null = [](const Tensor& t) { return t.defined() ? t.device_data<float>() : nullptr; };
  const Device device = x.device();
  Tensor out = Tensor::empty(x.shape(), DType::f32, device);
  Tensor mean = Tensor::empty({rows}, DType::f32, device), rstd = Tensor::empty({rows}, DType::f32, device);
  PARE_LAUNCH(device, layer_norm_forward, xc.device_data<float>(), data_or_null(rc), w.device_data<float>(),
              b.device_data<float>(), static_cast<float>(eps), out.device_data<float>(), mean.device_data<float>(),
              rstd.device_data<float>(), rows, cols, normalized);

  return record(
      out, op, {x, residual, weight, bias},
      [xc, rc, w, mean, rstd, rows, cols, normalized, device, data_or_null](const Tensor& g, const NeedsGrad& needs) {
        const Tensor gc = g.contiguous();
        Tensor dx, dw, db, workspace;
        if (needs[0] || needs[1]) dx = Tensor::empty(xc.shape(), DType::f32, device);
        if (needs[2]) dw = Tensor::empty({cols}, DType::f32, device);
        if (needs[3]) db = Tensor::empty({cols}, DType::f32, device);
        if (needs[2] || needs[3]) {
          workspace =
              Tensor::empty({PARE_LAUNCH(device, layer_norm_backward_workspace, rows, cols)}, DType::f32, device);
        }
        PARE_LAUNCH(device, layer_norm_backward, gc.device_data<float>(), xc.device_data<float>(), data_or_null(rc),
                    mean.device_data<float>(), rstd.device_data<float>(), w.device_data<float>(), data_or_null(dx),
                    data_or_null(dw), data_or_null(db), data_or_null(workspace), rows, cols, normalized);
        // The sum's gradient is both inputs' (autograd accumulates out of place, so one tensor serves both).
        return std::vector<Tensor>{needs[0] ? dx : Tensor(), needs[1] ? dx : Tensor(), dw, db};
      });
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                  std::optional<std::int64_t> normalized_size) {
  return normalize(x, Tensor(), weight, bias, eps, normalized_size, "layer_norm");
}

Tensor layer_norm_of_sum(const Tensor& x, const Tensor& residual, const Tensor& weight, const Tensor& bias, double eps,
                         std::optional<std::int64_t> normalized_size) {
  PARE_CHECK(residual.defined(), "layer_norm_of_sum: residual is undefined");
  return normalize(x, residual, weight, bias, eps, normalized_size, "layer_norm_of_sum");
}

}  // namespace pare
