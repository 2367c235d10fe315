#include "runtime/ops/reduce.h"

#include <algorithm>

#include "kernels/reduce.h"  // sum_axis, argmax_rows
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/elementwise.h"  // scale

namespace pare {
namespace {

std::vector<bool> reduced_axes(const Tensor& x, const std::vector<std::int64_t>& axes, const char* op) {
  std::vector<bool> reduced(static_cast<std::size_t>(x.dim()), axes.empty());
  for (std::int64_t a : axes) {
    const auto ax = static_cast<std::size_t>(normalize_axis(a, x.dim(), op));
    PARE_CHECK(!reduced[ax], op, ": axis ", a, " given twice for shape ", shape_str(x.shape()));
    reduced[ax] = true;
  }
  return reduced;
}

// Sums the marked axes, keeping them as size 1, one axis at a time from the last.
Tensor sum_keepdim(const Tensor& x, const std::vector<bool>& reduced) {
  Tensor cur = x.contiguous();
  for (std::size_t ax = reduced.size(); ax-- > 0;) {
    if (!reduced[ax] || cur.shape()[ax] == 1) continue;
    const Shape& s = cur.shape();
    std::int64_t outer = 1, inner = 1;
    for (std::size_t d = 0; d < ax; ++d) outer *= s[d];
    for (std::size_t d = ax + 1; d < s.size(); ++d) inner *= s[d];
    Shape out_shape = s;
    out_shape[ax] = 1;
    Tensor out = Tensor::empty(out_shape, DType::f32, cur.device());
    PARE_LAUNCH(cur.device(), sum_axis, cur.device_data<float>(), out.device_data<float>(), outer, s[ax], inner);
    cur = out;
  }
  return cur;
}

Tensor sum_impl(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim, double factor, const char* op) {
  check_dtype(x, DType::f32, op, "x");
  const std::vector<bool> reduced = reduced_axes(x, axes, op);
  Shape keep_shape = x.shape(), out_shape;
  for (std::size_t d = 0; d < reduced.size(); ++d) {
    if (reduced[d]) keep_shape[d] = 1;
    if (!reduced[d] || keepdim) out_shape.push_back(keep_shape[d]);
  }
  Tensor result;
  {
    NoGradGuard no_grad;
    result = sum_keepdim(x, reduced);
    if (x.numel() == 0) result = Tensor::zeros(keep_shape, DType::f32, x.device());
    if (factor != 1.0) result = scale(result, factor);
    result = result.reshape(out_shape);
  }
  return record(result, op, {x}, [keep_shape, in_shape = x.shape(), factor](const Tensor& g, const NeedsGrad&) {
    Tensor grad = g.reshape(keep_shape).expand(in_shape).contiguous();
    return std::vector<Tensor>{factor == 1.0 ? grad : scale(grad, factor)};
  });
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
  return sum_impl(x, axes, keepdim, 1.0, "sum");
}

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
  const std::vector<bool> reduced = reduced_axes(x, axes, "mean");
  std::int64_t count = 1;
  for (std::size_t d = 0; d < reduced.size(); ++d) count *= reduced[d] ? x.shape()[d] : 1;
  PARE_CHECK(count > 0, "mean over an empty axis of shape ", shape_str(x.shape()));
  return sum_impl(x, axes, keepdim, 1.0 / static_cast<double>(count), "mean");
}

Tensor argmax(const Tensor& x) {
  check_dtype(x, DType::f32, "argmax", "x");
  PARE_CHECK(x.dim() >= 1 && x.size(-1) > 0, "argmax: needs a non-empty last axis, got shape ", shape_str(x.shape()));
  const std::int64_t cols = x.size(-1), rows = x.numel() / cols;
  const Tensor in = x.contiguous();
  Tensor out = Tensor::empty(Shape(x.shape().begin(), x.shape().end() - 1), DType::i64, x.device());
  PARE_LAUNCH(x.device(), argmax_rows, in.device_data<float>(), rows, cols, out.device_data<std::int64_t>());
  return out;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  PARE_CHECK(broadcast_shapes(x.shape(), shape, "sum_to") == x.shape(), "sum_to: shape ", shape_str(x.shape()),
             " does not broadcast from ", shape_str(shape));
  const std::size_t lead = x.shape().size() - shape.size();
  std::vector<std::int64_t> axes;
  for (std::size_t d = 0; d < x.shape().size(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) axes.push_back(static_cast<std::int64_t>(d));
  }
  return sum(x, axes, true).reshape(shape);
}

}  // namespace pare
