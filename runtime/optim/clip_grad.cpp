#include "runtime/optim/clip_grad.h"

#include <cmath>

#include "kernels/elementwise.h"  // scale_add
#include "kernels/norm.h"         // sum_of_squares

namespace pare {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  PARE_CHECK(max_norm > 0.0, "clip_grad_norm: max_norm must be > 0, got ", max_norm);
  std::vector<Tensor> grads;
  double squares = 0.0;
  for (const Tensor& p : params) {
    check_defined(p, "clip_grad_norm", "parameter");
    Tensor g = p.grad();
    if (!g.defined()) continue;
    check_dtype(g, DType::f32, "clip_grad_norm", "grad");
    check_cpu(g, "clip_grad_norm");
    // Scaling happens in place, so a strided gradient is replaced by a packed copy first.
    if (!g.is_contiguous()) {
      g = g.contiguous();
      p.set_grad(g);
    }
    squares += kernels::cpu::sum_of_squares(g.data<float>(), g.numel());
    grads.push_back(g);
  }
  const double norm = std::sqrt(squares);
  if (!std::isfinite(norm)) return norm;
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    for (const Tensor& g : grads) {
      kernels::cpu::scale_add(g.data<float>(), static_cast<float>(coef), 0.0f, g.data<float>(), g.numel());
    }
  }
  return norm;
}

}  // namespace pare
