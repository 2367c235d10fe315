#include "runtime/ops/softmax.h"

#include "kernels/softmax.h"  // softmax_forward/backward, log_softmax_forward/backward
#include "runtime/autograd.h"

namespace pare {
namespace {

using RowKernel = void (*)(const float*, float*, std::int64_t, std::int64_t);
using RowBackwardKernel = void (*)(const float*, const float*, float*, std::int64_t, std::int64_t);

// Both backward passes need only the forward's output, so that is what the node saves.
Tensor last_axis_op(const Tensor& x, RowKernel forward, RowBackwardKernel backward, const char* name) {
  check_dtype(x, DType::f32, name, "x");
  check_cpu(x, name);
  PARE_CHECK(x.dim() >= 1, name, ": needs at least one axis, got a scalar of shape ", shape_str(x.shape()));
  const std::int64_t cols = x.size(-1), rows = cols == 0 ? 0 : x.numel() / cols;
  const Tensor in = x.detach().contiguous();
  Tensor out = Tensor::empty(x.shape());
  forward(in.data<float>(), out.data<float>(), rows, cols);
  return record(out, name, {x}, [y = out.detach(), backward, rows, cols](const Tensor& g, const NeedsGrad&) {
    const Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(y.shape());
    backward(y.data<float>(), gc.data<float>(), dx.data<float>(), rows, cols);
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor softmax(const Tensor& x) {
  return last_axis_op(x, kernels::cpu::softmax_forward, kernels::cpu::softmax_backward, "softmax");
}

Tensor log_softmax(const Tensor& x) {
  return last_axis_op(x, kernels::cpu::log_softmax_forward, kernels::cpu::log_softmax_backward, "log_softmax");
}

}  // namespace pare
