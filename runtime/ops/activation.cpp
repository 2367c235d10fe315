#include "runtime/ops/activation.h"

#include "kernels/activation.h"  // activation_forward, activation_backward
#include "runtime/autograd.h"
#include "runtime/dispatch.h"

namespace pare {
namespace {

using kernels::Activation;

Tensor activation(const Tensor& x, Activation act, const char* name) {
  check_dtype(x, DType::f32, name, "x");
  const Tensor in = x.detach().contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  PARE_LAUNCH(x.device(), activation_forward, act, in.device_data<float>(), out.device_data<float>(), out.numel());
  const Tensor saved = kernels::backward_uses_output(act) ? out.detach() : in;
  return record(out, name, {x}, [saved, act](const Tensor& g, const NeedsGrad&) {
    const Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(saved.shape(), DType::f32, saved.device());
    PARE_LAUNCH(saved.device(), activation_backward, act, saved.device_data<float>(), gc.device_data<float>(),
                dx.device_data<float>(), dx.numel());
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor gelu(const Tensor& x, GeluApproximation approximation) {
  return activation(x, approximation == GeluApproximation::tanh ? Activation::gelu_tanh : Activation::gelu_erf, "gelu");
}

Tensor relu(const Tensor& x) { return activation(x, Activation::relu, "relu"); }
Tensor tanh(const Tensor& x) { return activation(x, Activation::tanh, "tanh"); }
Tensor sigmoid(const Tensor& x) { return activation(x, Activation::sigmoid, "sigmoid"); }
Tensor abs(const Tensor& x) { return activation(x, Activation::abs, "abs"); }
Tensor sqrt(const Tensor& x) { return activation(x, Activation::sqrt, "sqrt"); }

}  // namespace pare
