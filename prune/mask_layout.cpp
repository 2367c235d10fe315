#include "prune/mask_layout.h"

#include "runtime/error.h"  // PARE_CHECK

namespace pare {
namespace {

// Calls row(flat index of the row's first element, sum of the leading axes' offsets) for every row
// (all axes but the last) in row-major order.
template <typename Row>
void for_each_row(const Shape& shape, const std::vector<std::vector<std::int64_t>>& offsets, Row row) {
  const std::size_t rank = shape.size();
  const std::int64_t cols = shape[rank - 1];
  const std::int64_t rows = cols == 0 ? 0 : shape_numel(shape) / cols;
  std::vector<std::int64_t> index(rank - 1, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t lead = 0;
    for (std::size_t a = 0; a + 1 < rank; ++a) lead += offsets[a][static_cast<std::size_t>(index[a])];
    row(r * cols, lead);
    for (std::size_t a = rank - 1; a-- > 0;) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
}

}  // namespace

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
  const Shape mask_strides = contiguous_strides(p.mask_shape);
  offsets_.resize(rank);
  for (std::size_t a = 0; a < rank; ++a) {
    const int d = p.mask_axis[a];
    std::vector<std::int64_t>& axis = offsets_[a];
    axis.resize(static_cast<std::size_t>(p.shape[a]));
    for (std::int64_t i = 0; i < p.shape[a]; ++i) {
      const std::int64_t entry = d < 0 ? -1 : i / p.span[a];
      axis[static_cast<std::size_t>(i)] = shared_ ? entry : (d < 0 ? 0 : entry * mask_strides[d]);
    }
  }
}

Tensor MaskLayout::expand(const Tensor& entries) const {
  PARE_CHECK(entries.shape() == mask_shape_, "mask layout: ", name_, ": expected mask entries of shape ",
             shape_str(mask_shape_), ", got ", shape_str(entries.shape()));
  const std::vector<float> m = entries.to_vector<float>();
  std::vector<float> out(static_cast<std::size_t>(shape_numel(shape_)));
  const std::vector<std::int64_t>& last = offsets_.back();
  if (shared_) {
    const std::vector<std::int64_t>& first = offsets_[0];
    const std::int64_t cols = shape_[1];
    for (std::int64_t r = 0; r < shape_[0]; ++r) {
      const std::int64_t e0 = first[static_cast<std::size_t>(r)];
      const float row = e0 < 0 ? 1.0f : m[static_cast<std::size_t>(e0)];
      for (std::int64_t c = 0; c < cols; ++c) {
        const std::int64_t e1 = last[static_cast<std::size_t>(c)];
        out[static_cast<std::size_t>(r * cols + c)] = row * (e1 < 0 ? 1.0f : m[static_cast<std::size_t>(e1)]);
      }
    }
  } else {
    for_each_row(shape_, offsets_, [&](std::int64_t begin, std::int64_t lead) {
      for (std::size_t c = 0; c < last.size(); ++c) {
        out[static_cast<std::size_t>(begin) + c] = m[static_cast<std::size_t>(lead + last[c])];
      }
    });
  }
  return Tensor::from_vector(out, shape_);
}

Tensor MaskLayout::reduce(const Tensor& elementwise) const {
  PARE_CHECK(elementwise.shape() == shape_, "mask layout: ", name_, ": expected a tensor of shape ", shape_str(shape_),
             ", got ", shape_str(elementwise.shape()));
  const std::vector<float> v = elementwise.to_vector<float>();
  std::vector<double> sums(static_cast<std::size_t>(shape_numel(mask_shape_)), 0.0);
  const std::vector<std::int64_t>& last = offsets_.back();
  if (shared_) {
    const std::vector<std::int64_t>& first = offsets_[0];
    const std::int64_t cols = shape_[1];
    for (std::int64_t r = 0; r < shape_[0]; ++r) {
      const std::int64_t e0 = first[static_cast<std::size_t>(r)];
      for (std::int64_t c = 0; c < cols; ++c) {
        const double x = v[static_cast<std::size_t>(r * cols + c)];
        const std::int64_t e1 = last[static_cast<std::size_t>(c)];
        if (e0 >= 0) sums[static_cast<std::size_t>(e0)] += x;
        if (e1 >= 0 && e1 != e0) sums[static_cast<std::size_t>(e1)] += x;
      }
    }
  } else {
    for_each_row(shape_, offsets_, [&](std::int64_t begin, std::int64_t lead) {
      for (std::size_t c = 0; c < last.size(); ++c) {
        sums[static_cast<std::size_t>(lead + last[c])] += v[static_cast<std::size_t>(begin) + c];
      }
    });
  }
  return Tensor::from_vector(std::vector<float>(sums.begin(), sums.end()), mask_shape_);
}

}  // namespace pare
