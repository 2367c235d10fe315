#include "runtime/tensor.h"

#include <cstring>
#include <numeric>
#include <ostream>

#include "kernels/copy.h"    // f32_to_bf16, f32_to_f16 (a fill value's bit pattern)
#include "kernels/random.h"  // random_counters
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/reduce.h"  // sum_to
#include "runtime/random.h"
#include "runtime/transfer.h"

namespace pare {

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::int64_t shape_numel(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void check_defined(const Tensor& t, const char* op, const char* arg) {
  PARE_CHECK(t.defined(), op, ": argument '", arg, "' is an undefined tensor");
}

void check_dtype(const Tensor& t, DType dtype, const char* op, const char* arg) {
  check_defined(t, op, arg);
  PARE_CHECK(t.dtype() == dtype, op, ": argument '", arg, "' must have dtype ", dtype_name(dtype), ", got ",
             dtype_name(t.dtype()), " (shape ", shape_str(t.shape()), ")");
}

void throw_host_read(const Tensor& t, const char* accessor) {
  throw Error(detail::concat(accessor, "() on a tensor on ", t.device().str(), " (shape ", shape_str(t.shape()),
                             "): host code reads device memory only through a transfer (to(Device::cpu()), "
                             "to_vector, item)"));
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  PARE_CHECK(a.device() == b.device(), op, ": tensors on different devices (", a.device().str(), " and ",
             b.device().str(), ")");
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t ndim, const char* op) {
  PARE_CHECK(axis >= -ndim && axis < ndim, op, ": axis ", axis, " out of range for a ", ndim, "-d tensor");
  return axis < 0 ? axis + ndim : axis;
}

// ---- creation ---------------------------------------------------------------------------------

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (std::int64_t d : shape) PARE_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.fill_(value);
  return t;
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape, Device device) {
  PARE_CHECK(static_cast<std::int64_t>(values.size()) == shape_numel(shape), "from_vector: ", values.size(),
             " values do not fill shape ", shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>(), device);
  if (device.is_cpu()) {
    if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  } else {
    copy_between_devices(t.device_raw_data(), device, values.data(), Device::cpu(), values.size() * sizeof(T));
  }
  return t;
}
template Tensor Tensor::from_vector<float>(const std::vector<float>&, const Shape&, Device);
template Tensor Tensor::from_vector<std::int32_t>(const std::vector<std::int32_t>&, const Shape&, Device);
template Tensor Tensor::from_vector<std::int64_t>(const std::vector<std::int64_t>&, const Shape&, Device);
template Tensor Tensor::from_vector<std::uint8_t>(const std::vector<std::uint8_t>&, const Shape&, Device);
template Tensor Tensor::from_vector<std::int8_t>(const std::vector<std::int8_t>&, const Shape&, Device);

Tensor Tensor::randn(const Shape& shape, Generator& gen, float mean, float std, Device device) {
  Tensor t = empty(shape, DType::f32, device);
  const std::int64_t n = t.numel();
  PARE_LAUNCH(device, random_normal, t.device_data<float>(), n, gen.seed(), gen.reserve(kernels::random_counters(n)),
              mean, std);
  return t;
}

Tensor Tensor::rand(const Shape& shape, Generator& gen, float low, float high, Device device) {
  Tensor t = empty(shape, DType::f32, device);
  const std::int64_t n = t.numel();
  PARE_LAUNCH(device, random_uniform, t.device_data<float>(), n, gen.seed(), gen.reserve(kernels::random_counters(n)),
              low, high);
  return t;
}

// ---- metadata ---------------------------------------------------------------------------------

const TensorImpl& Tensor::checked() const {
  PARE_CHECK(impl_ != nullptr, "operation on an undefined tensor");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked().shape; }
const Shape& Tensor::strides() const { return checked().strides; }
std::int64_t Tensor::size(std::int64_t axis) const { return shape()[normalize_axis(axis, dim(), "size")]; }
std::int64_t Tensor::numel() const { return shape_numel(shape()); }
DType Tensor::dtype() const { return checked().dtype; }
Device Tensor::device() const { return checked().storage->device(); }
std::int64_t Tensor::storage_offset() const { return checked().offset; }
const std::shared_ptr<Storage>& Tensor::storage() const { return checked().storage; }

bool Tensor::is_contiguous() const {
  const TensorImpl& t = checked();
  std::int64_t expected = 1;
  for (std::size_t i = t.shape.size(); i-- > 0;) {
    if (t.shape[i] != 1 && t.strides[i] != expected) return false;
    expected *= t.shape[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  if (!device().is_cpu()) throw_host_read(*this, "raw_data");
  return device_raw_data();
}

void* Tensor::device_raw_data() const {
  const TensorImpl& t = checked();
  return static_cast<unsigned char*>(t.storage->data()) + static_cast<std::size_t>(t.offset) * dtype_size(t.dtype);
}

double Tensor::item() const {
  PARE_CHECK(numel() == 1, "item() needs a one-element tensor, got shape ", shape_str(shape()));
  return to_vector<double>()[0];
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  const Tensor packed = to(Device::cpu()).contiguous().to(is_floating(dtype()) ? DType::f32 : dtype());
  const std::int64_t n = packed.numel();
  std::vector<T> out(static_cast<std::size_t>(n));
  switch (packed.dtype()) {
    case DType::f32:
      std::copy_n(packed.data<float>(), n, out.begin());
      break;
    case DType::i32:
      std::copy_n(packed.data<std::int32_t>(), n, out.begin());
      break;
    case DType::i64:
      std::copy_n(packed.data<std::int64_t>(), n, out.begin());
      break;
    case DType::u8:
      std::copy_n(packed.data<std::uint8_t>(), n, out.begin());
      break;
    case DType::i8:
      std::copy_n(packed.data<std::int8_t>(), n, out.begin());
      break;
    default:
      throw Error("to_vector: unexpected dtype");
  }
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int32_t> Tensor::to_vector<std::int32_t>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;
template std::vector<std::uint8_t> Tensor::to_vector<std::uint8_t>() const;
template std::vector<std::int8_t> Tensor::to_vector<std::int8_t>() const;

// ---- views and copies -------------------------------------------------------------------------

namespace {

Tensor make_view(const Tensor& base, Shape shape, Shape strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->offset = offset;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

Shape infer_shape(const Shape& requested, std::int64_t numel, const Shape& from) {
  Shape shape = requested;
  std::int64_t known = 1;
  int infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      PARE_CHECK(infer_at < 0, "reshape ", shape_str(from), " -> ", shape_str(requested), ": only one -1 allowed");
      infer_at = static_cast<int>(i);
    } else {
      PARE_CHECK(shape[i] >= 0, "reshape ", shape_str(from), " -> ", shape_str(requested), ": negative size");
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    PARE_CHECK(known != 0 && numel % known == 0, "reshape ", shape_str(from), " -> ", shape_str(requested),
               ": cannot infer the -1 axis");
    shape[static_cast<std::size_t>(infer_at)] = numel / known;
  }
  PARE_CHECK(shape_numel(shape) == numel, "reshape ", shape_str(from), " (", numel, " elements) -> ", shape_str(shape),
             " (", shape_numel(shape), " elements)");
  return shape;
}

}  // namespace

Tensor Tensor::reshape(const Shape& requested) const {
  const Shape shape = infer_shape(requested, numel(), this->shape());
  const Tensor source = contiguous();
  Tensor view = make_view(source, shape, contiguous_strides(shape), source.storage_offset());
  const Shape input_shape = this->shape();
  return record(view, "reshape", {*this}, [input_shape](const Tensor& g, const NeedsGrad&) {
    return std::vector<Tensor>{g.reshape(input_shape)};
  });
}

Tensor Tensor::permute(const std::vector<std::int64_t>& axes) const {
  const std::int64_t n = dim();
  PARE_CHECK(static_cast<std::int64_t>(axes.size()) == n, "permute: ", axes.size(),
             " axes given for a tensor of shape ", shape_str(shape()));
  Shape shape(axes.size()), strides(axes.size());
  std::vector<std::int64_t> inverse(axes.size(), -1);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::int64_t a = normalize_axis(axes[i], n, "permute");
    PARE_CHECK(inverse[static_cast<std::size_t>(a)] < 0, "permute: axis ", a, " repeated");
    inverse[static_cast<std::size_t>(a)] = static_cast<std::int64_t>(i);
    shape[i] = this->shape()[static_cast<std::size_t>(a)];
    strides[i] = this->strides()[static_cast<std::size_t>(a)];
  }
  Tensor view = make_view(*this, shape, strides, storage_offset());
  return record(view, "permute", {*this},
                [inverse](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{g.permute(inverse)}; });
}

Tensor Tensor::transpose(std::int64_t a, std::int64_t b) const {
  std::vector<std::int64_t> axes(static_cast<std::size_t>(dim()));
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[static_cast<std::size_t>(normalize_axis(a, dim(), "transpose"))],
            axes[static_cast<std::size_t>(normalize_axis(b, dim(), "transpose"))]);
  return permute(axes);
}

Tensor Tensor::slice(std::int64_t axis, std::int64_t start, std::int64_t end) const {
  const std::int64_t ax = normalize_axis(axis, dim(), "slice");
  const std::int64_t len = shape()[static_cast<std::size_t>(ax)];
  if (start < 0) start += len;
  if (end < 0) end += len;
  PARE_CHECK(0 <= start && start <= end && end <= len, "slice: range [", start, ", ", end, ") out of bounds for axis ",
             ax, " of shape ", shape_str(shape()));
  Shape shape = this->shape();
  shape[static_cast<std::size_t>(ax)] = end - start;
  Tensor view = make_view(*this, shape, strides(), storage_offset() + start * strides()[static_cast<std::size_t>(ax)]);
  const Shape input_shape = this->shape();
  return record(view, "slice", {*this}, [input_shape, ax, start, end](const Tensor& g, const NeedsGrad&) {
    Tensor full = Tensor::zeros(input_shape, g.dtype(), g.device());
    full.slice(ax, start, end).copy_(g);
    return std::vector<Tensor>{full};
  });
}

Tensor Tensor::expand(const Shape& target) const {
  PARE_CHECK(target.size() >= shape().size(), "expand: cannot expand shape ", shape_str(shape()), " to ",
             shape_str(target));
  const std::size_t lead = target.size() - shape().size();
  Shape strides(target.size(), 0);
  for (std::size_t i = 0; i < shape().size(); ++i) {
    const std::int64_t have = shape()[i];
    PARE_CHECK(have == target[lead + i] || have == 1, "expand: cannot expand shape ", shape_str(shape()), " to ",
               shape_str(target));
    strides[lead + i] = have == 1 ? 0 : this->strides()[i];
  }
  Tensor view = make_view(*this, target, strides, storage_offset());
  const Shape input_shape = shape();
  return record(view, "expand", {*this}, [input_shape](const Tensor& g, const NeedsGrad&) {
    return std::vector<Tensor>{sum_to(g, input_shape)};
  });
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  Tensor out = empty(shape(), dtype(), device());
  const Shape packed = contiguous_strides(shape());
  PARE_LAUNCH(device(), strided_copy, device_raw_data(), strides().data(), out.device_raw_data(), packed.data(),
              shape().data(), static_cast<int>(dim()), dtype_size(dtype()));
  return record(out, "contiguous", {*this}, [](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{g}; });
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_(*this);
  return record(out, "clone", {*this}, [](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{g}; });
}

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), storage_offset()); }

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  const Tensor src = contiguous();
  Tensor out = empty(shape(), dtype(), device);
  copy_between_devices(out.device_raw_data(), device, src.device_raw_data(), src.device(), nbytes());
  const Device from = this->device();
  return record(out, "to_device", {*this},
                [from](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{g.to(from)}; });
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  const Tensor src = contiguous();
  Tensor out = empty(shape(), target, device());
  PARE_LAUNCH(device(), convert, src.device_raw_data(), dtype(), out.device_raw_data(), target, numel());
  return out;
}

// ---- in-place ---------------------------------------------------------------------------------

Tensor& Tensor::fill_(double value) {
  PARE_CHECK(is_contiguous(), "fill_ on a non-contiguous view of shape ", shape_str(shape()));
  unsigned char bytes[8];
  switch (dtype()) {
    case DType::f32: {
      const auto v = static_cast<float>(value);
      std::memcpy(bytes, &v, 4);
      break;
    }
    case DType::bf16: {
      const auto v = static_cast<float>(value);
      kernels::cpu::f32_to_bf16(&v, reinterpret_cast<std::uint16_t*>(bytes), 1);
      break;
    }
    case DType::f16: {
      const auto v = static_cast<float>(value);
      kernels::cpu::f32_to_f16(&v, reinterpret_cast<std::uint16_t*>(bytes), 1);
      break;
    }
    case DType::i32: {
      const auto v = static_cast<std::int32_t>(value);
      std::memcpy(bytes, &v, 4);
      break;
    }
    case DType::i64: {
      const auto v = static_cast<std::int64_t>(value);
      std::memcpy(bytes, &v, 8);
      break;
    }
    case DType::u8: {
      const auto v = static_cast<std::uint8_t>(value);
      std::memcpy(bytes, &v, 1);
      break;
    }
    case DType::i8: {
      const auto v = static_cast<std::int8_t>(value);
      std::memcpy(bytes, &v, 1);
      break;
    }
  }
  PARE_LAUNCH(device(), fill, device_raw_data(), bytes, dtype_size(dtype()), numel());
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_defined(src, "copy_", "src");
  PARE_CHECK(src.shape() == shape(), "copy_: source shape ", shape_str(src.shape()), " differs from destination ",
             shape_str(shape()));
  PARE_CHECK(!(GradMode::enabled() && requires_grad()),
             "copy_ into a tensor that requires grad; wrap it in NoGradGuard");
  const Tensor source = src.to(device()).to(dtype());
  if (numel() == 0) return *this;
  PARE_LAUNCH(device(), strided_copy, source.device_raw_data(), source.strides().data(), device_raw_data(),
              strides().data(), shape().data(), static_cast<int>(dim()), dtype_size(dtype()));
  return *this;
}

// ---- autograd accessors -----------------------------------------------------------------------

bool Tensor::requires_grad() const { return checked().requires_grad; }

Tensor& Tensor::requires_grad_(bool enabled) {
  PARE_CHECK(is_leaf(), "requires_grad_() on a tensor computed by ", impl_->grad_fn->op_name,
             ": only leaves can be marked (use detach() first)");
  PARE_CHECK(!enabled || is_floating(dtype()), "requires_grad_() on a tensor of dtype ", dtype_name(dtype()));
  impl_->requires_grad = enabled;
  return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }
Tensor Tensor::grad() const { return checked().grad; }

void Tensor::set_grad(const Tensor& grad) const {
  PARE_CHECK(!grad.defined() || grad.shape() == shape(), "set_grad: gradient shape ", shape_str(grad.shape()),
             " differs from tensor shape ", shape_str(shape()));
  impl_->grad = grad;
}

void Tensor::zero_grad() const {
  checked();
  impl_->grad = Tensor();
}

const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked().grad_fn; }

}  // namespace pare
