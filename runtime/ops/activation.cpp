#include "runtime/ops/activation.h"

#include "kernels/activation.h"  // activation_forward, activation_backward
#include "runtime/autograd.h"

namespace pare {
namespace {

using kernels::cpu::Activation;

Tensor activation(const Tensor& x, Activation act, const char* name) {
  check_dtype(x, DType::f32, name, "x");
  check_cpu(x, name);
  const Tensor in = x.detach().contiguous();
  Tensor out = Tensor::empty(x.shape());
  kernels::cpu::activation_forward(act, in.data<float>(), out.data<float>(), out.numel());
  const Tensor saved = kernels::cpu::backward_uses_output(act) ? out.detach() : in;
  return record(out, name, {x}, [saved, act](const Tensor& g, const NeedsGrad&) {
    const Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(saved.shape());
    kernels::cpu::activation_backward(act, saved.data<float>(), gc.data<float>(), dx.data<float>(), dx.numel());
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

}  // namespace pare
