#include "runtime/ops/matmul.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>

#include "kernels/gemm.h"  // gemm, gemm_batched, gemm_bias, gemm_bf16
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/elementwise.h"  // broadcast_shapes
#include "runtime/ops/reduce.h"       // sum, sum_to
#include "runtime/parameter_cache.h"
#include "runtime/precision.h"  // matmul_precision

namespace pare {
namespace {

using kernels::Bf16GemmOperand;
using kernels::GemmOperand;

struct MatrixLayout {
  std::int64_t ld;
  bool transposed;
};

// How GEMM reads the last two axes [rows, cols] of `t` in place: row-major with a row stride, or as
// the transpose of a row-major matrix (a transposed view). Size-1 axes may have any stride.
std::optional<MatrixLayout> matrix_layout(const Tensor& t) {
  const std::int64_t rows = t.size(-2), cols = t.size(-1);
  const std::int64_t row_stride = t.strides()[t.strides().size() - 2], col_stride = t.strides().back();
  if ((cols == 1 || col_stride == 1) && (rows == 1 || row_stride >= cols)) {
    return MatrixLayout{rows == 1 ? std::max<std::int64_t>(cols, 1) : row_stride, false};
  }
  if ((rows == 1 || row_stride == 1) && (cols == 1 || col_stride >= rows)) {
    return MatrixLayout{cols == 1 ? std::max<std::int64_t>(rows, 1) : col_stride, true};
  }
  return std::nullopt;
}

std::optional<GemmOperand> matrix_operand(const Tensor& t) {
  const std::optional<MatrixLayout> layout = matrix_layout(t);
  if (!layout) return std::nullopt;
  return GemmOperand{t.device_data<float>(), layout->ld, layout->transposed};
}

// The operand for `t`, packing it first (into `keep`, which must outlive the GEMM) when its layout
// is neither form.
GemmOperand operand_or_copy(const Tensor& t, Tensor& keep) {
  keep = t;
  if (auto op = matrix_operand(t)) return *op;
  keep = t.detach().contiguous();
  return *matrix_operand(keep);
}

void check_blas_int(std::int64_t value, const char* what, const char* op) {
  PARE_CHECK(value <= std::numeric_limits<int>::max(), op, ": ", what, " ", value,
             " exceeds the 32-bit BLAS index range");
}

void check_operand(const Tensor& t, const char* op, const char* arg) { check_dtype(t, DType::f32, op, arg); }

// Element offsets of each batch entry of `t` (its axes before the last two) inside the broadcast
// batch shape `batch`; broadcast axes contribute nothing.
std::vector<std::int64_t> batch_offsets(const Tensor& t, const Shape& batch) {
  const std::size_t t_batch = t.shape().size() - 2, lead = batch.size() - t_batch;
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(shape_numel(batch)));
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    std::int64_t rem = static_cast<std::int64_t>(i), offset = 0;
    for (std::size_t d = batch.size(); d-- > lead;) {
      const std::int64_t idx = rem % batch[d];
      rem /= batch[d];
      if (t.shape()[d - lead] != 1) offset += idx * t.strides()[d - lead];
    }
    offsets[i] = offset;
  }
  return offsets;
}

const std::uint16_t* bf16_bits(const Tensor& t) { return static_cast<const std::uint16_t*>(t.device_raw_data()); }

// t in bf16 with t's own layout when t covers a dense block of its storage in some order of its axes
// (a weight seen as W^T, attention's heads seen as [B, H, T, d] inside [B, T, H, d] rows): one
// converting pass, no packing copy first; a parameter of an open ParameterCache is converted once
// per scope. Packed otherwise.
Tensor bf16_keeping_layout(const Tensor& t) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(t.dim()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&t](std::int64_t x, std::int64_t y) {
    return t.strides()[static_cast<std::size_t>(x)] > t.strides()[static_cast<std::size_t>(y)];
  });
  const Tensor stored = t.detach().permute(order);
  if (!stored.is_contiguous()) return t.detach().to(DType::bf16);
  std::vector<std::int64_t> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    inverse[static_cast<std::size_t>(order[i])] = static_cast<std::int64_t>(i);
  const Tensor cached = ParameterCache::bf16_copy(stored);
  return (cached.defined() ? cached : stored.to(DType::bf16)).permute(inverse);
}

// A bf16 copy of the matrices of t ([..., rows, cols]) in a layout GEMM reads, and how it reads it.
struct Bf16Matrices {
  Tensor bits;  // bf16
  Bf16GemmOperand operand;
};

Bf16Matrices bf16_matrices(const Tensor& t) {
  Bf16Matrices m{bf16_keeping_layout(t), {}};
  std::optional<MatrixLayout> layout = matrix_layout(m.bits);
  if (!layout) {
    m.bits = m.bits.contiguous();
    layout = matrix_layout(m.bits);
  }
  m.operand = {bf16_bits(m.bits), layout->ld, layout->transposed};
  return m;
}

// out = a @ b (+ bias over rows, when defined) under the bf16 policy: both rounded to bf16, the
// products summed in f32.
void bf16_matmul_into(const Tensor& a, const Tensor& b, const Shape& batch, std::int64_t m, std::int64_t n,
                      std::int64_t k, const Tensor& bias, Tensor& out) {
  const Tensor bias_c = bias.defined() ? bias.detach().contiguous() : Tensor();
  const float* bias_data = bias_c.defined() ? bias_c.device_data<float>() : nullptr;
  const Bf16Matrices b16 = bf16_matrices(b);
  const std::int64_t zero = 0;
  if (b.dim() == 2 && a.dim() > 2 && a.is_contiguous()) {
    // A packed batch of rows times one shared matrix is a single product over all rows.
    const Tensor a16 = a.detach().to(DType::bf16);
    const Bf16GemmOperand op_a{bf16_bits(a16), std::max<std::int64_t>(k, 1), false};
    PARE_LAUNCH(a.device(), gemm_bf16, 1, shape_numel(batch) * m, n, k, op_a, &zero, b16.operand, &zero, bias_data,
                out.device_data<float>());
    return;
  }
  const Bf16Matrices a16 = bf16_matrices(a);
  const std::vector<std::int64_t> a_off = batch_offsets(a16.bits, batch), b_off = batch_offsets(b16.bits, batch);
  PARE_LAUNCH(a.device(), gemm_bf16, shape_numel(batch), m, n, k, a16.operand, a_off.data(), b16.operand, b_off.data(),
              bias_data, out.device_data<float>());
}

Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  check_operand(a, "matmul", "a");
  check_operand(b, "matmul", "b");
  check_same_device(a, b, "matmul");
  PARE_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul: operands need at least 2 dimensions, got a ", shape_str(a.shape()),
             " and b ", shape_str(b.shape()));
  const std::int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  PARE_CHECK(b.size(-2) == k, "matmul: a ", shape_str(a.shape()), " @ b ", shape_str(b.shape()), ": inner dimensions ",
             k, " and ", b.size(-2), " differ");
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2), b_batch(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(a_batch, b_batch, "matmul (batch axes)");
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape, DType::f32, a.device());
  const std::int64_t count = shape_numel(batch);
  check_blas_int(count * m, "row count", "matmul");
  check_blas_int(n, "column count", "matmul");
  check_blas_int(k, "inner dimension", "matmul");
  if (out.numel() == 0) return out;
  if (matmul_precision() == Precision::bf16) {
    bf16_matmul_into(a, b, batch, m, n, k, Tensor(), out);
    return out;
  }

  Tensor a_keep, b_keep;
  const GemmOperand op_b = operand_or_copy(b, b_keep);
  check_blas_int(op_b.ld, "leading dimension", "matmul");
  // A packed batch of rows times one shared matrix is a single GEMM over all rows.
  if (b.dim() == 2 && a.is_contiguous()) {
    const GemmOperand op_a{a.device_data<float>(), std::max<std::int64_t>(k, 1), false};
    PARE_LAUNCH(a.device(), gemm, count * m, n, k, 1.0f, op_a, op_b, 0.0f, out.device_data<float>(), n);
    return out;
  }
  const GemmOperand op_a = operand_or_copy(a, a_keep);
  check_blas_int(op_a.ld, "leading dimension", "matmul");
  const std::vector<std::int64_t> a_off = batch_offsets(a_keep, batch), b_off = batch_offsets(b_keep, batch);
  PARE_LAUNCH(a.device(), gemm_batched, count, m, n, k, op_a, a_off.data(), op_b, b_off.data(),
              out.device_data<float>());
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  Tensor out = matmul_forward(a, b);
  return record(out, "matmul", {a, b}, [a = a.detach(), b = b.detach()](const Tensor& g, const NeedsGrad& needs) {
    Tensor ga, gb;
    if (needs[0]) ga = sum_to(matmul(g, b.transpose(-1, -2)), a.shape());
    if (needs[1]) {
      if (b.dim() == 2 && a.dim() > 2) {
        // One GEMM over all rows instead of a batch of products summed afterwards.
        const std::int64_t k = a.size(-1), n = b.size(-1);
        gb = matmul(a.reshape({-1, k}).transpose(0, 1), g.reshape({-1, n}));
      } else {
        gb = sum_to(matmul(a.transpose(-1, -2), g), b.shape());
      }
    }
    return std::vector<Tensor>{ga, gb};
  });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_operand(x, "linear", "x");
  check_operand(weight, "linear", "weight");
  check_same_device(x, weight, "linear");
  PARE_CHECK(weight.dim() == 2, "linear: weight must be [out, in], got ", shape_str(weight.shape()));
  PARE_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: x ", shape_str(x.shape()), " has ",
             x.dim() >= 1 ? x.size(-1) : 0, " features but weight ", shape_str(weight.shape()), " expects ",
             weight.size(1));
  const std::int64_t in = weight.size(1), out_features = weight.size(0);
  if (bias.defined()) {
    check_operand(bias, "linear", "bias");
    PARE_CHECK(bias.shape() == Shape{out_features}, "linear: bias ", shape_str(bias.shape()), " does not match weight ",
               shape_str(weight.shape()), " (expected [", out_features, "])");
  }
  const Tensor xc = x.detach().contiguous();
  const std::int64_t rows = in == 0 ? shape_numel(Shape(x.shape().begin(), x.shape().end() - 1)) : x.numel() / in;
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  Tensor out = Tensor::empty(out_shape, DType::f32, x.device());
  check_blas_int(rows, "row count", "linear");
  check_blas_int(out_features, "output features", "linear");
  check_blas_int(in, "input features", "linear");

  // Inference with the weight packed once by an open ParameterCache.
  const Precision precision = matmul_precision();
  const std::shared_ptr<const kernels::PackedGemmWeight> packed =
      out.numel() > 0 && in > 0 && !GradMode::enabled() ? ParameterCache::packed_transposed(weight, precision)
                                                        : nullptr;
  if (packed) {
    const Tensor rows_in = precision == Precision::bf16 ? xc.to(DType::bf16) : xc;
    const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
    PARE_LAUNCH(x.device(), gemm_packed, rows, rows_in.device_raw_data(), in, *packed,
                bc.defined() ? bc.device_data<float>() : nullptr, out.device_data<float>());
  } else if (out.numel() > 0 && precision == Precision::bf16) {
    // x @ W^T with W read transposed.
    bf16_matmul_into(xc.reshape({rows, in}), weight.detach().transpose(0, 1), {}, rows, out_features, in, bias, out);
  } else if (out.numel() > 0) {
    Tensor w_keep;
    const GemmOperand w = operand_or_copy(weight, w_keep);
    check_blas_int(w.ld, "leading dimension", "linear");
    // x @ W^T: a row-major W is read transposed, a transposed view of one is read as it is.
    const GemmOperand w_t{w.data, w.ld, !w.transposed};
    const GemmOperand x_op{xc.device_data<float>(), std::max<std::int64_t>(in, 1), false};
    if (bias.defined()) {
      const Tensor bc = bias.detach().contiguous();
      PARE_LAUNCH(x.device(), gemm_bias, rows, out_features, in, x_op, w_t, bc.device_data<float>(),
                  out.device_data<float>());
    } else {
      PARE_LAUNCH(x.device(), gemm, rows, out_features, in, 1.0f, x_op, w_t, 0.0f, out.device_data<float>(),
                  out_features);
    }
  }

  return record(
      out, "linear", {x, weight, bias},
      [xc, w = weight.detach(), rows, in, out_features, x_shape = x.shape()](const Tensor& g, const NeedsGrad& needs) {
        const Tensor g2 = g.reshape({rows, out_features});
        Tensor gx, gw, gb;
        if (needs[0]) gx = matmul(g2, w).reshape(x_shape);
        if (needs[1]) gw = matmul(g2.transpose(0, 1), xc.reshape({rows, in}));
        if (needs[2]) gb = sum(g2, {0});
        return std::vector<Tensor>{gx, gw, gb};
      });
}

}  // namespace pare
