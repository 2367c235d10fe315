#include "prune/mask_layout.h"

#include "kernels/pruning_mask.h"  // mask_expand, mask_reduce
#include "runtime/dispatch.h"
#include "runtime/error.h"  // PARE_CHECK

namespace pare {
MaskLayout::MaskLayout(const ResolvedParameter& p) : name_(p.name), shape_(p.shape), mask_shape_(p.mask_shape) {
  const std::size_t rank = p.shape.size();
  PARE_CHECK(rank >= 1 && p.mask_axis.size() == rank && p.span.size() == rank, "mask layout: ", p.name,
             ": mask_axis and span need ", rank, " entries for shape ", shape_str(p.shape));
  std::vector<int> uses(p.mask_shape.size(), 0);
  for (std::size_t a = 0; a < rank; ++a) {
    const int d = p.mask_axis[a];
    if (d < 0) continue;
    PARE_CHECK(d < static_cast<int>(p.mask_shape.size()) && p.span[a] >= 1 && p.mask_shape[d] * p.span[a] == p.shape[a],
               "mask layout: ", p.name, ": axis ", a, " of shape ", shape_str(p.shape), " does not fit mask shape ",
               shape_str(p.mask_shape), " with span ", p.span[a]);
    ++uses[d];
  }
  for (std::size_t d = 0; d < uses.size(); ++d) {
    PARE_CHECK(uses[d] > 0 || p.mask_shape[d] == 1, "mask layout: ", p.name, ": mask dimension ", d, " of ",
               shape_str(p.mask_shape), " is indexed by no axis of ", shape_str(p.shape));
    if (uses[d] > 1) {
      PARE_CHECK(p.mask_shape.size() == 1 && rank == 2, "mask layout: ", p.name,
                 ": a mask dimension shared by two axes needs a 2-D parameter and a 1-D mask, got ", shape_str(p.shape),
                 " and ", shape_str(p.mask_shape));
      shared_ = true;
    }
  }
  // Per axis, per index along it: the mask offset it contributes (non-shared: summed over axes into
  // the entry's flat index), or for a shared layout the entry it meets, -1 where the axis does not
  // index the mask.
  const Shape mask_strides = contiguous_strides(p.mask_shape);
  std::vector<std::vector<std::int64_t>> offsets(rank);
  for (std::size_t a = 0; a < rank; ++a) {
    const int d = p.mask_axis[a];
    std::vector<std::int64_t>& axis = offsets[a];
    axis.resize(static_cast<std::size_t>(p.shape[a]));
    for (std::int64_t i = 0; i < p.shape[a]; ++i) {
      const std::int64_t entry = d < 0 ? -1 : i / p.span[a];
      axis[static_cast<std::size_t>(i)] = shared_ ? entry : (d < 0 ? 0 : entry * mask_strides[d]);
    }
  }
  col_index_ = offsets.back();
  if (shared_) {
    row_index_ = offsets.front();
    return;
  }
  // Each row's offset: the sum over the leading axes, rows in row-major order.
  const std::int64_t cols = p.shape[rank - 1];
  const std::int64_t rows = cols == 0 ? 0 : shape_numel(p.shape) / cols;
  row_index_.resize(static_cast<std::size_t>(rows));
  std::vector<std::int64_t> index(rank - 1, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t lead = 0;
    for (std::size_t a = 0; a + 1 < rank; ++a) lead += offsets[a][static_cast<std::size_t>(index[a])];
    row_index_[static_cast<std::size_t>(r)] = lead;
    for (std::size_t a = rank - 1; a-- > 0;) {
      if (++index[a] < p.shape[a]) break;
      index[a] = 0;
    }
  }
}

const MaskLayout::DeviceIndex& MaskLayout::index_on(Device device) const {
  if (!device_index_.rows.defined() || device_index_.rows.device() != device) {
    const auto rows = static_cast<std::int64_t>(row_index_.size()), cols = static_cast<std::int64_t>(col_index_.size());
    device_index_ = {Tensor::from_vector(row_index_, {rows}, device), Tensor::from_vector(col_index_, {cols}, device)};
  }
  return device_index_;
}

Tensor MaskLayout::expand(const Tensor& entries) const {
  PARE_CHECK(entries.shape() == mask_shape_ && entries.dtype() == DType::f32, "mask layout: ", name_,
             ": expected f32 mask entries of shape ", shape_str(mask_shape_), ", got ", dtype_name(entries.dtype()),
             shape_str(entries.shape()));
  const Tensor m = entries.contiguous();
  Tensor out = Tensor::empty(shape_, DType::f32, entries.device());
  const auto rows = static_cast<std::int64_t>(row_index_.size()), cols = static_cast<std::int64_t>(col_index_.size());
  if (out.numel() > 0) {
    const DeviceIndex& index = index_on(entries.device());
    PARE_LAUNCH(entries.device(), mask_expand, m.device_data<float>(), shared_, index.rows.device_data<std::int64_t>(),
                index.cols.device_data<std::int64_t>(), rows, cols, out.device_data<float>());
  }
  return out;
}

Tensor MaskLayout::reduce(const Tensor& elementwise) const {
  PARE_CHECK(elementwise.shape() == shape_ && elementwise.dtype() == DType::f32, "mask layout: ", name_,
             ": expected an f32 tensor of shape ", shape_str(shape_), ", got ", dtype_name(elementwise.dtype()),
             shape_str(elementwise.shape()));
  const Tensor x = elementwise.contiguous();
  Tensor out = Tensor::empty(mask_shape_, DType::f32, elementwise.device());
  const auto rows = static_cast<std::int64_t>(row_index_.size()), cols = static_cast<std::int64_t>(col_index_.size());
  const DeviceIndex& index = index_on(elementwise.device());
  PARE_LAUNCH(elementwise.device(), mask_reduce, x.device_data<float>(), shared_,
              index.rows.device_data<std::int64_t>(), index.cols.device_data<std::int64_t>(), rows, cols, out.numel(),
              out.device_data<float>());
  return out;
}

}  // namespace pare
