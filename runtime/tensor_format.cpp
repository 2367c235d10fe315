// Tensor::str and operator<<: nested brackets like PyTorch, long axes summarised with "...".
#include <cstdio>
#include <ostream>
#include <sstream>

#include "runtime/tensor.h"

namespace pare {
namespace {

constexpr std::int64_t kSummariseAbove = 1000;
constexpr std::int64_t kEdgeItems = 3;

void format_value(std::ostringstream& out, double v, bool floating) {
  char buf[32];
  if (floating) {
    std::snprintf(buf, sizeof buf, "%.4f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  }
  out << buf;
}

void format_axis(std::ostringstream& out, const std::vector<double>& values, const Shape& shape, const Shape& strides,
                 std::size_t axis, std::int64_t offset, bool floating, bool summarise) {
  if (shape.empty()) {
    format_value(out, values[static_cast<std::size_t>(offset)], floating);
    return;
  }
  out << "[";
  const std::int64_t n = shape[axis];
  for (std::int64_t i = 0; i < n; ++i) {
    if (summarise && n > 2 * kEdgeItems && i == kEdgeItems) {
      out << "..., ";
      i = n - kEdgeItems;
    }
    const std::int64_t at = offset + i * strides[axis];
    if (axis + 1 == shape.size()) {
      format_value(out, values[static_cast<std::size_t>(at)], floating);
    } else {
      format_axis(out, values, shape, strides, axis + 1, at, floating, summarise);
    }
    if (i + 1 < n) out << (axis + 1 == shape.size() ? ", " : ",\n" + std::string(axis + 8, ' '));
  }
  out << "]";
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream out;
  out << "tensor(";
  format_axis(out, to_vector<double>(), shape(), contiguous_strides(shape()), 0, 0, is_floating(dtype()),
              numel() > kSummariseAbove);
  out << ", shape=" << shape_str(shape()) << ", dtype=" << dtype_name(dtype());
  if (!device().is_cpu()) out << ", device=" << device().str();
  if (requires_grad()) out << ", requires_grad";
  out << ")";
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) { return out << tensor.str(); }

}  // namespace pare
