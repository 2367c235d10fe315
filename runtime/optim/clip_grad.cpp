#include "runtime/optim/clip_grad.h"

#include <bit>
#include <cmath>

#include "kernels/elementwise.h"  // scale_add
#include "kernels/norm.h"         // sum_of_squares
#include "runtime/dispatch.h"

namespace pare {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  PARE_CHECK(max_norm > 0.0, "clip_grad_norm: max_norm must be > 0, got ", max_norm);
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    check_defined(p, "clip_grad_norm", "parameter");
    Tensor g = p.grad();
    if (!g.defined()) continue;
    check_dtype(g, DType::f32, "clip_grad_norm", "grad");
    if (!grads.empty()) check_same_device(grads.front(), g, "clip_grad_norm");
    // Scaling happens in place, so a strided gradient is replaced by a packed copy first.
    if (!g.is_contiguous()) {
      g = g.contiguous();
      p.set_grad(g);
    }
    grads.push_back(g);
  }
  if (grads.empty()) return 0.0;
  // The squares of every gradient add up in one double on the device (the runtime has no f64 tensors,
  // so an i64 element holds its bits; all-zero bits are 0.0), and the host reads that one number.
  const Device device = grads.front().device();
  const Tensor accumulator = Tensor::zeros({1}, DType::i64, device);
  auto* squares = reinterpret_cast<double*>(accumulator.device_data<std::int64_t>());
  for (const Tensor& g : grads) PARE_LAUNCH(device, sum_of_squares, g.device_data<float>(), g.numel(), squares);
  const double norm = std::sqrt(std::bit_cast<double>(accumulator.to_vector<std::int64_t>()[0]));
  if (!std::isfinite(norm)) return norm;
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    for (const Tensor& g : grads) {
      PARE_LAUNCH(device, scale_add, g.device_data<float>(), static_cast<float>(coef), 0.0f, g.device_data<float>(),
                  g.numel());
    }
  }
  return norm;
}

}  // namespace pare
