#include "runtime/ops/layer_norm.h"

#include "kernels/layer_norm.h"  // layer_norm_forward, layer_norm_backward
#include "runtime/autograd.h"

namespace pare {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                  std::optional<std::int64_t> normalized_size) {
  check_dtype(x, DType::f32, "layer_norm", "x");
  check_dtype(weight, DType::f32, "layer_norm", "weight");
  check_dtype(bias, DType::f32, "layer_norm", "bias");
  check_cpu(x, "layer_norm");
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
  Tensor out = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({rows}), rstd = Tensor::empty({rows});
  kernels::cpu::layer_norm_forward(xc.data<float>(), w.data<float>(), b.data<float>(), static_cast<float>(eps),
                                   out.data<float>(), mean.data<float>(), rstd.data<float>(), rows, cols, normalized);

  return record(out, "layer_norm", {x, weight, bias},
                [xc, w, mean, rstd, rows, cols, normalized](const Tensor& g, const NeedsGrad& needs) {
                  const Tensor gc = g.contiguous();
                  Tensor dx, dw, db, workspace;
                  if (needs[0]) dx = Tensor::empty(xc.shape());
                  if (needs[1]) dw = Tensor::empty({cols});
                  if (needs[2]) db = Tensor::empty({cols});
                  if (needs[1] || needs[2]) {
                    workspace = Tensor::empty({kernels::cpu::layer_norm_backward_workspace(rows, cols)});
                  }
                  kernels::cpu::layer_norm_backward(
                      gc.data<float>(), xc.data<float>(), mean.data<float>(), rstd.data<float>(), w.data<float>(),
                      dx.defined() ? dx.data<float>() : nullptr, dw.defined() ? dw.data<float>() : nullptr,
                      db.defined() ? db.data<float>() : nullptr,
                      workspace.defined() ? workspace.data<float>() : nullptr, rows, cols, normalized);
                  return std::vector<Tensor>{dx, dw, db};
                });
}

}  // namespace pare
