#include "runtime/ops/softmax.h"

#include "kernels/softmax.h"  // softmax_forward/backward, log_softmax_forward/backward
#include "runtime/autograd.h"
#include "runtime/dispatch.h"

namespace pare {
namespace {

// Both backward passes need only the forward's output, so that is what the node saves.
template <auto Forward, auto Backward>
Tensor last_axis_op(const Tensor& x, const char* name) {
  check_dtype(x, DType::f32, name, "x");
  PARE_CHECK(x.dim() >= 1, name, ": needs at least one axis, got a scalar of shape ", shape_str(x.shape()));
  const std::int64_t cols = x.size(-1), rows = cols == 0 ? 0 : x.numel() / cols;
  const Tensor in = x.detach().contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  launch<Forward>(x.device(), name, in.device_data<float>(), out.device_data<float>(), rows, cols);
  return record(out, name, {x}, [y = out.detach(), rows, cols, name](const Tensor& g, const NeedsGrad&) {
    const Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(y.shape(), DType::f32, y.device());
    launch<Backward>(y.device(), name, y.device_data<float>(), gc.device_data<float>(), dx.device_data<float>(), rows,
                     cols);
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor softmax(const Tensor& x) {
  return last_axis_op<&kernels::KernelTable::softmax_forward, &kernels::KernelTable::softmax_backward>(x, "softmax");
}

Tensor log_softmax(const Tensor& x) {
  return last_axis_op<&kernels::KernelTable::log_softmax_forward, &kernels::KernelTable::log_softmax_backward>(
      x, "log_softmax");
}

}  // namespace pare
