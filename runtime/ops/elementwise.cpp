#include "runtime/ops/elementwise.h"

#include "kernels/elementwise.h"  // binary_broadcast, scale_add
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/reduce.h"  // sum_to

namespace pare {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    PARE_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b),
               " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

constexpr int kMaxDims = 8;

// Strides that read `t` as if it had `shape`: broadcast axes get stride 0.
Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  Shape strides(shape.size(), 0);
  const std::size_t lead = shape.size() - t.shape().size();
  for (std::size_t i = 0; i < t.shape().size(); ++i) {
    strides[lead + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  }
  return strides;
}

Tensor binary_forward(kernels::BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  check_dtype(a, DType::f32, name, "a");
  check_dtype(b, DType::f32, name, "b");
  check_same_device(a, b, name);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  PARE_CHECK(shape.size() <= kMaxDims, name, ": at most ", kMaxDims, " dimensions, got ", shape_str(shape));
  Tensor out = Tensor::empty(shape, DType::f32, a.device());
  const Shape as = broadcast_strides(a, shape), bs = broadcast_strides(b, shape);
  PARE_LAUNCH(a.device(), binary_broadcast, op, a.device_data<float>(), as.data(), b.device_data<float>(), bs.data(),
              out.device_data<float>(), shape.data(), static_cast<int>(shape.size()));
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(kernels::BinaryOp::add, a, b, "add");
  return record(out, "add", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const NeedsGrad& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to(g, sa) : Tensor(), needs[1] ? sum_to(g, sb) : Tensor()};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(kernels::BinaryOp::sub, a, b, "sub");
  return record(out, "sub", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const NeedsGrad& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to(g, sa) : Tensor(), needs[1] ? sum_to(scale(g, -1.0), sb) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(kernels::BinaryOp::mul, a, b, "mul");
  return record(out, "mul", {a, b}, [a = a.detach(), b = b.detach()](const Tensor& g, const NeedsGrad& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to(mul(g, b), a.shape()) : Tensor(),
                               needs[1] ? sum_to(mul(g, a), b.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(kernels::BinaryOp::div, a, b, "div");
  return record(out, "div", {a, b},
                [out = out.detach(), b = b.detach(), sa = a.shape()](const Tensor& g, const NeedsGrad& needs) {
                  const Tensor ga = div(g, b);
                  return std::vector<Tensor>{needs[0] ? sum_to(ga, sa) : Tensor(),
                                             needs[1] ? sum_to(scale(mul(ga, out), -1.0), b.shape()) : Tensor()};
                });
}

Tensor scale(const Tensor& x, double alpha) {
  check_dtype(x, DType::f32, "scale", "x");
  const Tensor in = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  PARE_LAUNCH(x.device(), scale_add, in.device_data<float>(), static_cast<float>(alpha), 0.0f, out.device_data<float>(),
              out.numel());
  return record(out, "scale", {x},
                [alpha](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{scale(g, alpha)}; });
}

Tensor add_scalar(const Tensor& x, double beta) {
  check_dtype(x, DType::f32, "add_scalar", "x");
  const Tensor in = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  PARE_LAUNCH(x.device(), scale_add, in.device_data<float>(), 1.0f, static_cast<float>(beta), out.device_data<float>(),
              out.numel());
  return record(out, "add_scalar", {x}, [](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{g}; });
}

}  // namespace pare
