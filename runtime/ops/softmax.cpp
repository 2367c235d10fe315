#include "runtime/ops/softmax.h"

#include "kernels/softmax.h"  // softmax_forward/backward, log_softmax_forward/backward
#include "runtime/autograd.h"
#include "runtime/dispatch.h"

namespace pare {
namespace {

using RowKernel = decltype(kernels::cpu::softmax_forward)* kernels::KernelTable::*;
using RowBackwardKernel = decltype(kernels::cpu::softmax_backward)* kernels::KernelTable::*;

// Both backward passes need only the forward's output, so that is what the node saves.
Tensor last_axis_op(const Tensor& x, RowKernel forward, RowBackwardKernel backward, const char* name) {
  check_dtype(x, DType::f32, name, "x");
  PARE_CHECK(x.dim() >= 1, name, ": needs at least one axis, got a scalar of shape ", shape_str(x.shape()));
  const std::int64_t cols = x.size(-1), rows = cols == 0 ? 0 : x.numel() / cols;
  const Tensor in = x.detach().contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  launch(x.device(), forward, name, in.device_data<float>(), out.device_data<float>(), rows, cols);
  return record(out, name, {x}, [y = out.detach(), backward, rows, cols, name](const Tensor& g, const NeedsGrad&) {
    const Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(y.shape(), DType::f32, y.device());
    launch(y.device(), backward, name, y.device_data<float>(), gc.device_data<float>(), dx.device_data<float>(), rows,
           cols);
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor softmax(const Tensor& x) {
  return last_axis_op(x, &kernels::KernelTable::softmax_forward, &kernels::KernelTable::softmax_backward, "softmax");
}

Tensor log_softmax(const Tensor& x) {
  return last_axis_op(x, &kernels::KernelTable::log_softmax_forward, &kernels::KernelTable::log_softmax_backward,
                      "log_softmax");
}

}  // namespace pare
