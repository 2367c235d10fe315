#include "runtime/ops/indexing.h"

#include <string>

#include "kernels/indexing.h"  // copy_rows, gather_rows, scatter_add_rows
#include "runtime/autograd.h"
#include "runtime/dispatch.h"

namespace pare {
namespace {

// The indices as packed i64. Their range is checked by the gather kernel, on the device, so that a
// forward reads nothing back to the host.
Tensor packed_indices(const Tensor& indices, const char* op, const char* noun) {
  check_defined(indices, op, noun);
  PARE_CHECK(indices.dtype() == DType::i64 || indices.dtype() == DType::i32, op, ": ", noun,
             "s must be i32 or i64, got ", dtype_name(indices.dtype()), " (shape ", shape_str(indices.shape()), ")");
  return indices.to(DType::i64).contiguous();
}

// x [..., n, ...] (n at `axis`) with indices [I...] -> [..., I..., ...]; `range` words an index
// error ("<op> (<range>): ... index 7 at position 3 out of range [0, 5)").
Tensor select_rows(const Tensor& x, std::int64_t axis, const Tensor& idx, const Shape& index_shape, const char* op,
                   const std::string& range, std::int64_t skip_index) {
  check_same_device(x, idx, op);
  const Tensor in = x.contiguous();
  const Shape& xs = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= xs[static_cast<std::size_t>(d)];
  for (std::int64_t d = axis + 1; d < x.dim(); ++d) inner *= xs[static_cast<std::size_t>(d)];
  const std::int64_t n = xs[static_cast<std::size_t>(axis)], m = idx.numel();
  Shape out_shape(xs.begin(), xs.begin() + axis);
  out_shape.insert(out_shape.end(), index_shape.begin(), index_shape.end());
  out_shape.insert(out_shape.end(), xs.begin() + axis + 1, xs.end());
  Tensor out = Tensor::empty(out_shape, DType::f32, x.device());
  try {
    PARE_LAUNCH(x.device(), gather_rows, in.device_data<float>(), outer, n, inner, idx.device_data<std::int64_t>(), m,
                out.device_data<float>());
  } catch (const Error& e) {
    throw Error(std::string(op) + " (" + range + "): " + e.what());
  }
  return record(out, op, {x}, [idx, xs, outer, n, inner, m, skip_index](const Tensor& g, const NeedsGrad&) {
    const Tensor grad_out = g.contiguous();
    Tensor grad = Tensor::zeros(xs, DType::f32, g.device());
    PARE_LAUNCH(g.device(), scatter_add_rows, grad_out.device_data<float>(), outer, m, inner,
                idx.device_data<std::int64_t>(), n, skip_index, grad.device_data<float>());
    return std::vector<Tensor>{grad};
  });
}

}  // namespace

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis) {
  PARE_CHECK(!tensors.empty(), "concat: no tensors given");
  const Tensor& first = tensors.front();
  check_defined(first, "concat", "tensors[0]");
  const std::int64_t ax = normalize_axis(axis, first.dim(), "concat");
  Shape out_shape = first.shape();
  out_shape[static_cast<std::size_t>(ax)] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    PARE_CHECK(t.defined(), "concat: tensor ", i, " is undefined");
    check_same_device(first, t, "concat");
    PARE_CHECK(t.dtype() == first.dtype(), "concat: tensor ", i, " has dtype ", dtype_name(t.dtype()),
               ", tensor 0 has ", dtype_name(first.dtype()));
    bool compatible = t.dim() == first.dim();
    for (std::int64_t d = 0; compatible && d < t.dim(); ++d) compatible = d == ax || t.size(d) == first.size(d);
    PARE_CHECK(compatible, "concat: tensor ", i, " of shape ", shape_str(t.shape()),
               " does not match tensor 0 of shape ", shape_str(first.shape()), " outside axis ", ax);
    out_shape[static_cast<std::size_t>(ax)] += t.size(ax);
  }
  std::int64_t outer = 1, inner = static_cast<std::int64_t>(dtype_size(first.dtype()));
  for (std::int64_t d = 0; d < ax; ++d) outer *= out_shape[static_cast<std::size_t>(d)];
  for (std::size_t d = static_cast<std::size_t>(ax) + 1; d < out_shape.size(); ++d) inner *= out_shape[d];
  Tensor out = Tensor::empty(out_shape, first.dtype(), first.device());
  const std::int64_t dst_row_bytes = out_shape[static_cast<std::size_t>(ax)] * inner;
  auto* dst = static_cast<unsigned char*>(out.device_raw_data());
  std::vector<std::int64_t> starts;
  std::int64_t start = 0;
  for (const Tensor& t : tensors) {
    starts.push_back(start);
    const Tensor in = t.contiguous();
    PARE_LAUNCH(first.device(), copy_rows, in.device_raw_data(), dst + start * inner, outer, t.size(ax) * inner,
                dst_row_bytes);
    start += t.size(ax);
  }
  return record(out, "concat", tensors, [ax, starts, start](const Tensor& g, const NeedsGrad& needs) {
    std::vector<Tensor> grads(needs.size());
    for (std::size_t i = 0; i < needs.size(); ++i) {
      const std::int64_t end = i + 1 < starts.size() ? starts[i + 1] : start;
      if (needs[i]) grads[i] = g.slice(ax, starts[i], end).contiguous();
    }
    return grads;
  });
}

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& indices) {
  check_dtype(x, DType::f32, "index_select", "x");
  const std::int64_t ax = normalize_axis(axis, x.dim(), "index_select");
  const std::int64_t n = x.size(ax);
  return select_rows(
      x, ax, packed_indices(indices, "index_select", "index"), indices.shape(), "index_select",
      "axis " + std::to_string(ax) + " of size " + std::to_string(n) + ", x shape " + shape_str(x.shape()), -1);
}

Tensor embedding(const Tensor& weight, const Tensor& ids, std::int64_t padding_idx) {
  check_dtype(weight, DType::f32, "embedding", "weight");
  PARE_CHECK(weight.dim() == 2, "embedding: weight must be [vocab, dim], got shape ", shape_str(weight.shape()));
  const std::int64_t vocab = weight.size(0);
  return select_rows(weight, 0, packed_indices(ids, "embedding", "id"), ids.shape(), "embedding",
                     "vocab size " + std::to_string(vocab), padding_idx);
}

}  // namespace pare
