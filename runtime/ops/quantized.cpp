#include "runtime/ops/quantized.h"

#include <numeric>
#include <string>
#include <vector>

#include "kernels/int8.h"  // quantize_rows_s8, dequantize_gather_s8, pack_s8_weight, gemm_s8_packed
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/elementwise.h"  // add
#include "runtime/parameter_cache.h"

namespace pare {
namespace {

// The refusal for a gradient asked through an int8 op.
void check_no_gradient(const Tensor& x, const char* op) {
  PARE_CHECK(!(GradMode::enabled() && x.requires_grad()), op,
             ": int8 ops have no gradient (an int8 model is for inference: train, prune or distill the f32 model, "
             "then quantize it again with `pare quantize`)");
}

// scale [rows] (f32) against values [rows, cols] (i8) on one device: `what` names the pair.
void check_scaled_rows(const Tensor& values, const Tensor& scale, const char* op, const char* what) {
  check_defined(values, op, what);
  check_defined(scale, op, "scale");
  check_dtype(values, DType::i8, op, what);
  check_dtype(scale, DType::f32, op, "scale");
  check_same_device(values, scale, op);
  const Shape rows(values.shape().begin(), values.shape().end() - (values.dim() > 0 ? 1 : 0));
  PARE_CHECK(values.dim() >= 1 && scale.shape() == rows, op, ": scale of shape ", shape_str(scale.shape()),
             " does not match ", what, " of shape ", shape_str(values.shape()),
             " (one scale per row: ", shape_str(rows), ")");
}

}  // namespace

QuantizedRows quantize_rows(const Tensor& x) {
  check_dtype(x, DType::f32, "quantize_rows", "x");
  PARE_CHECK(x.dim() >= 1, "quantize_rows: x must have at least one axis, got a scalar");
  check_no_gradient(x, "quantize_rows");
  const Tensor xc = x.detach().contiguous();
  const std::int64_t cols = x.size(-1), rows = cols == 0 ? 0 : x.numel() / cols;
  QuantizedRows out{Tensor::empty(x.shape(), DType::i8, x.device()),
                    Tensor::empty(Shape(x.shape().begin(), x.shape().end() - 1), DType::f32, x.device())};
  if (rows > 0) {
    PARE_LAUNCH(x.device(), quantize_rows_s8, rows, cols, xc.device_data<float>(),
                out.values.device_data<std::int8_t>(), out.scale.device_data<float>());
  } else if (out.scale.numel() > 0) {
    out.scale.fill_(0.0);  // rows of no columns: nothing to scale
  }
  return out;
}

Tensor dequantize_rows(const Tensor& values, const Tensor& scale) {
  check_scaled_rows(values, scale, "dequantize_rows", "values");
  const std::int64_t rows = scale.numel();
  std::vector<std::int64_t> each(static_cast<std::size_t>(rows));
  std::iota(each.begin(), each.end(), 0);
  const Tensor ids = Tensor::from_vector(each, {rows}, values.device());
  return int8_embedding(values.reshape({rows, values.size(-1)}), scale.reshape({rows}), ids).reshape(values.shape());
}

namespace {

// weight, weight_scale and bias as int8_linear takes them, against inputs of `in` features on `device`.
void check_int8_layer(const Tensor& weight, const Tensor& weight_scale, const Tensor& bias, Device device) {
  check_scaled_rows(weight, weight_scale, "int8_linear", "weight");
  PARE_CHECK(weight.device() == device, "int8_linear: weight on ", weight.device().str(), ", input on ", device.str());
  PARE_CHECK(weight.dim() == 2, "int8_linear: weight must be [out, in], got ", shape_str(weight.shape()));
  if (bias.defined()) {
    check_dtype(bias, DType::f32, "int8_linear", "bias");
    PARE_CHECK(bias.device() == device, "int8_linear: bias on ", bias.device().str(), ", input on ", device.str());
    PARE_CHECK(bias.shape() == Shape{weight.size(0)}, "int8_linear: bias ", shape_str(bias.shape()),
               " does not match weight ", shape_str(weight.shape()), " (expected [", weight.size(0), "])");
  }
}

void check_features(const Shape& x, const Tensor& weight) {
  PARE_CHECK(!x.empty() && x.back() == weight.size(1), "int8_linear: x ", shape_str(x), " has ",
             x.empty() ? 0 : x.back(), " features but weight ", shape_str(weight.shape()), " expects ", weight.size(1));
}

// The product of rows already quantized (values [rows, in]) and their scales, into [..., out].
Tensor int8_product(const QuantizedRows& q, const Shape& x_shape, const Tensor& weight, const Tensor& weight_scale,
                    const Tensor& bias) {
  const std::int64_t in = weight.size(1), out_features = weight.size(0);
  const Device device = weight.device();
  Shape out_shape = x_shape;
  out_shape.back() = out_features;
  const std::int64_t rows = shape_numel(Shape(x_shape.begin(), x_shape.end() - 1));
  if (in == 0 || rows == 0 || out_features == 0) {
    // No products to run: the sums are empty, so every output is its bias.
    Tensor out = Tensor::zeros(out_shape, DType::f32, device);
    return bias.defined() && out.numel() > 0 ? add(out, bias) : out;
  }
  std::shared_ptr<const kernels::PackedGemmWeight> packed = ParameterCache::packed_s8(weight);
  Tensor storage;  // the packed copy when no open cache holds one; freed when the product is done
  if (!packed) {
    const Tensor w = weight.contiguous();
    storage = Tensor::empty({PARE_LAUNCH(device, packed_s8_weight_bytes, out_features, in)}, DType::u8, device);
    packed =
        PARE_LAUNCH(device, pack_s8_weight, out_features, in, w.device_data<std::int8_t>(), storage.device_raw_data());
  }
  const Tensor values = q.values.contiguous(), row_scale = q.scale.contiguous(), scale = weight_scale.contiguous();
  const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  Tensor out = Tensor::empty(out_shape, DType::f32, device);
  PARE_LAUNCH(device, gemm_s8_packed, rows, values.device_data<std::int8_t>(), in, row_scale.device_data<float>(),
              *packed, scale.device_data<float>(), bc.defined() ? bc.device_data<float>() : nullptr,
              out.device_data<float>());
  return out;
}

}  // namespace

Tensor int8_linear(const Tensor& x, const Tensor& weight, const Tensor& weight_scale, const Tensor& bias) {
  check_dtype(x, DType::f32, "int8_linear", "x");
  check_int8_layer(weight, weight_scale, bias, x.device());
  check_features(x.shape(), weight);
  check_no_gradient(x, "int8_linear");
  const std::int64_t in = weight.size(1);
  if (in == 0 || x.numel() == 0) return int8_product({}, x.shape(), weight, weight_scale, bias);
  return int8_product(quantize_rows(x.detach().reshape({x.numel() / in, in})), x.shape(), weight, weight_scale, bias);
}

Tensor int8_linear(const QuantizedRows& x, const Tensor& weight, const Tensor& weight_scale, const Tensor& bias) {
  check_scaled_rows(x.values, x.scale, "int8_linear", "x");
  check_int8_layer(weight, weight_scale, bias, x.values.device());
  check_features(x.values.shape(), weight);
  const std::int64_t in = weight.size(1);
  if (in == 0 || x.values.numel() == 0) return int8_product({}, x.values.shape(), weight, weight_scale, bias);
  const std::int64_t rows = x.values.numel() / in;
  return int8_product({x.values.reshape({rows, in}), x.scale.reshape({rows})}, x.values.shape(), weight, weight_scale,
                      bias);
}

Tensor int8_embedding(const Tensor& table, const Tensor& scale, const Tensor& ids) {
  check_scaled_rows(table, scale, "int8_embedding", "table");
  PARE_CHECK(table.dim() == 2, "int8_embedding: table must be [vocab, dim], got ", shape_str(table.shape()));
  check_defined(ids, "int8_embedding", "ids");
  PARE_CHECK(ids.dtype() == DType::i64 || ids.dtype() == DType::i32, "int8_embedding: ids must be i32 or i64, got ",
             dtype_name(ids.dtype()), " (shape ", shape_str(ids.shape()), ")");
  check_same_device(table, ids, "int8_embedding");
  const Tensor idx = ids.to(DType::i64).contiguous(), t = table.contiguous(), s = scale.contiguous();
  Shape out_shape = ids.shape();
  out_shape.push_back(table.size(1));
  Tensor out = Tensor::empty(out_shape, DType::f32, table.device());
  try {
    PARE_LAUNCH(table.device(), dequantize_gather_s8, t.device_data<std::int8_t>(), s.device_data<float>(),
                table.size(0), table.size(1), idx.device_data<std::int64_t>(), idx.numel(), out.device_data<float>());
  } catch (const Error& e) {
    throw Error("int8_embedding (vocab size " + std::to_string(table.size(0)) + "): " + e.what());
  }
  return out;
}

}  // namespace pare
