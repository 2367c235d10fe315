// Tensor: a cheap handle to shared storage with a shape, strides, dtype, device and an autograd
// record. Kernels read contiguous memory; views (reshape, permute, transpose, slice) share storage
// and `contiguous()` makes a packed copy only when one is needed.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "runtime/device.h"
#include "runtime/dtype.h"
#include "runtime/error.h"
#include "runtime/storage.h"

namespace pare {

using Shape = std::vector<std::int64_t>;

std::string shape_str(const Shape& shape);
std::int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

class Generator;
struct Node;
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation -------------------------------------------------------------------------------
  // Uninitialised memory; every element must be written before it is read.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32, Device device = Device::cpu());
  // Host values copied onto `device` (a counted transfer when that is not the CPU).
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape, Device device = Device::cpu());
  // Normal(mean, std) and Uniform[low, high), reproducible for a given generator state on any device.
  static Tensor randn(const Shape& shape, Generator& gen, float mean = 0.0f, float std = 1.0f,
                      Device device = Device::cpu());
  static Tensor rand(const Shape& shape, Generator& gen, float low = 0.0f, float high = 1.0f,
                     Device device = Device::cpu());

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
  // Size of `axis`; negative axes count from the end.
  std::int64_t size(std::int64_t axis) const;
  std::int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;
  std::int64_t storage_offset() const;
  const std::shared_ptr<Storage>& storage() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype()); }

  // ---- element access ---------------------------------------------------------------------------
  // Host pointer to the first element, for host code; checks dtype, and throws for a tensor that is
  // not in CPU memory: device data reaches the host only through a counted transfer (to(Device),
  // to_vector, item).
  template <typename T>
  T* data() const;
  void* raw_data() const;
  // Pointer to the first element in the memory of the tensor's own device, for passing to kernels
  // (PARE_LAUNCH) and nothing else. Kernels also require is_contiguous().
  template <typename T>
  T* device_data() const;
  void* device_raw_data() const;
  // The single element of a one-element tensor, as double (any dtype, any device; one transfer).
  double item() const;
  // All elements in logical (row-major) order, converted to T (any device; one transfer).
  template <typename T>
  std::vector<T> to_vector() const;

  // ---- views and copies -----------------------------------------------------------------------
  // A view when the layout allows it, a copy otherwise; one axis may be -1.
  Tensor reshape(const Shape& shape) const;
  Tensor permute(const std::vector<std::int64_t>& axes) const;
  Tensor transpose(std::int64_t a, std::int64_t b) const;
  // Elements [start, end) of `axis` (negative indices count from the end).
  Tensor slice(std::int64_t axis, std::int64_t start, std::int64_t end) const;
  // Broadcasts size-1 (or missing leading) axes to `shape` as a view with zero strides.
  Tensor expand(const Shape& shape) const;
  Tensor contiguous() const;
  Tensor clone() const;
  // Same storage, no autograd history.
  Tensor detach() const;
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;

  // ---- in-place (only outside the graph: initialisation, optimizer updates) -------------------
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);

  // ---- autograd -------------------------------------------------------------------------------
  bool requires_grad() const;
  // Marks a leaf as a parameter whose gradient backward() accumulates.
  Tensor& requires_grad_(bool enabled = true);
  bool is_leaf() const;
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  void zero_grad() const;
  const std::shared_ptr<Node>& grad_fn() const;
  // Accumulates d(this)/d(leaf) into every leaf's grad. Without `grad`, this must hold one element.
  void backward(const Tensor& grad = Tensor()) const;

  std::string str() const;
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  const TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  DType dtype = DType::f32;
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
};

std::ostream& operator<<(std::ostream& out, const Tensor& tensor);

// Argument checks shared by ops; each throws pare::Error naming the op and the offending shapes.
void check_defined(const Tensor& t, const char* op, const char* arg);
void check_dtype(const Tensor& t, DType dtype, const char* op, const char* arg);
void check_same_device(const Tensor& a, const Tensor& b, const char* op);
// Normalises a possibly negative axis against `ndim`.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t ndim, const char* op);

template <typename T>
T* Tensor::device_data() const {
  const TensorImpl& t = checked();
  PARE_CHECK(t.dtype == dtype_of<T>(), "data<", dtype_name(dtype_of<T>()), ">() on a tensor of dtype ",
             dtype_name(t.dtype));
  return static_cast<T*>(t.storage->data()) + t.offset;
}

// Names the tensor and its device; out of line so the template stays small.
[[noreturn]] void throw_host_read(const Tensor& t, const char* accessor);

template <typename T>
T* Tensor::data() const {
  if (!device().is_cpu()) throw_host_read(*this, "data");
  return device_data<T>();
}

}  // namespace pare
