#include "prune/importance.h"

#include <cmath>
#include <string>

#include "kernels/pruning_mask.h"  // keep_top_k, sigmoid_at_least
#include "prune/mask_layout.h"
#include "runtime/dispatch.h"
#include "runtime/error.h"            // PARE_CHECK
#include "runtime/ops/activation.h"   // abs, sqrt
#include "runtime/ops/elementwise.h"  // add, mul, scale
#include "runtime/ops/indexing.h"     // concat

namespace pare {
namespace {

void check_ratio(double sparse_ratio) {
  PARE_CHECK(std::isfinite(sparse_ratio) && sparse_ratio >= 0.0 && sparse_ratio < 1.0,
             "top-k mask: sparse_ratio must be in [0, 1), got ", sparse_ratio);
}

void check_shapes(const ResolvedParameter& p, const Tensor& weight, const Tensor& grad) {
  PARE_CHECK(weight.shape() == p.shape && grad.shape() == p.shape, "importance: ", p.name, ": weight ",
             shape_str(weight.shape()), " and gradient ", shape_str(grad.shape()), " must both have shape ",
             shape_str(p.shape));
}

// A 0/1 mask of `scores`' shape keeping its k highest entries; equal scores keep the lower position.
Tensor keep_top(const Tensor& scores, std::int64_t k, const char* what) {
  const Tensor values = scores.contiguous();
  Tensor mask = Tensor::empty(scores.shape(), DType::f32, scores.device());
  try {
    PARE_LAUNCH(scores.device(), keep_top_k, values.device_data<float>(), scores.numel(), k, mask.device_data<float>());
  } catch (const Error& e) {
    throw Error(std::string(what) + ": " + e.what());
  }
  return mask;
}

}  // namespace

Tensor reduce_to_mask(const ResolvedParameter& p, const Tensor& elementwise) {
  return MaskLayout(p).reduce(elementwise);
}

Tensor magnitude_importance(const ResolvedParameter& p, const Tensor& weight, MagnitudeNorm norm) {
  PARE_CHECK(weight.shape() == p.shape, "magnitude importance: ", p.name, ": weight ", shape_str(weight.shape()),
             " must have shape ", shape_str(p.shape));
  if (norm == MagnitudeNorm::l1) return reduce_to_mask(p, abs(weight));
  return sqrt(reduce_to_mask(p, mul(weight, weight)));
}

Tensor taylor_importance(const ResolvedParameter& p, const Tensor& weight, const Tensor& grad) {
  check_shapes(p, weight, grad);
  return reduce_to_mask(p, abs(mul(weight, grad)));
}

std::int64_t kept_count(std::int64_t n, double sparse_ratio) {
  check_ratio(sparse_ratio);
  PARE_CHECK(n >= 0, "top-k mask: negative entry count ", n);
  return std::llround((1.0 - sparse_ratio) * static_cast<double>(n));
}

std::vector<Tensor> global_topk_masks(const std::vector<Tensor>& scores, double sparse_ratio) {
  PARE_CHECK(!scores.empty(), "global top-k mask: no scores");
  std::vector<Tensor> flat;
  for (const Tensor& s : scores) flat.push_back(s.reshape({-1}));
  const Tensor all = concat(flat, 0);
  const Tensor kept = keep_top(all, kept_count(all.numel(), sparse_ratio), "global top-k mask");
  std::vector<Tensor> masks;
  std::int64_t offset = 0;
  for (const Tensor& s : scores) {
    masks.push_back(kept.slice(0, offset, offset + s.numel()).contiguous().reshape(s.shape()));
    offset += s.numel();
  }
  return masks;
}

Tensor with_pruned_last(const Tensor& scores, const Tensor& mask) {
  return add(mul(scores, mask), add_scalar(mask, -1.0));
}

Tensor threshold_mask(const Tensor& scores, double threshold) {
  PARE_CHECK(std::isfinite(threshold) && threshold > 0.0 && threshold < 1.0,
             "threshold mask: sparse_threshold must be in (0, 1), got ", threshold);
  const Tensor values = scores.contiguous();
  Tensor mask = Tensor::empty(scores.shape(), DType::f32, scores.device());
  try {
    PARE_LAUNCH(scores.device(), sigmoid_at_least, values.device_data<float>(), scores.numel(), threshold,
                mask.device_data<float>());
  } catch (const Error& e) {
    throw Error(std::string("threshold mask: ") + e.what());
  }
  return mask;
}

}  // namespace pare
