#include "prune/importance.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "prune/mask_layout.h"
#include "runtime/error.h"  // PARE_CHECK

namespace pare {
namespace {

void check_finite(const std::vector<float>& values, const char* what) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    PARE_CHECK(std::isfinite(values[i]), what, ": entry ", i, " is not finite (", values[i], ")");
  }
}

void check_ratio(double sparse_ratio) {
  PARE_CHECK(std::isfinite(sparse_ratio) && sparse_ratio >= 0.0 && sparse_ratio < 1.0,
             "top-k mask: sparse_ratio must be in [0, 1), got ", sparse_ratio);
}

std::vector<float> product(const ResolvedParameter& p, const Tensor& weight, const Tensor& grad, bool absolute,
                           float sign) {
  PARE_CHECK(weight.shape() == p.shape && grad.shape() == p.shape, "importance: ", p.name, ": weight ",
             shape_str(weight.shape()), " and gradient ", shape_str(grad.shape()), " must both have shape ",
             shape_str(p.shape));
  std::vector<float> w = weight.to_vector<float>();
  const std::vector<float> g = grad.to_vector<float>();
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float v = w[i] * g[i];
    w[i] = absolute ? std::fabs(v) : sign * v;
  }
  return w;
}

// A 0/1 mask keeping the k highest of `values`; stable sorting sends ties to the lower position.
std::vector<float> keep_top(const std::vector<float>& values, std::int64_t k) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
  std::vector<float> mask(values.size(), 0.0f);
  for (std::int64_t i = 0; i < k; ++i) mask[order[static_cast<std::size_t>(i)]] = 1.0f;
  return mask;
}

}  // namespace

Tensor reduce_to_mask(const ResolvedParameter& p, const Tensor& elementwise) {
  return MaskLayout(p).reduce(elementwise);
}

Tensor magnitude_importance(const ResolvedParameter& p, const Tensor& weight, MagnitudeNorm norm) {
  PARE_CHECK(weight.shape() == p.shape, "magnitude importance: ", p.name, ": weight ", shape_str(weight.shape()),
             " must have shape ", shape_str(p.shape));
  std::vector<float> w = weight.to_vector<float>();
  for (float& v : w) v = norm == MagnitudeNorm::l1 ? std::fabs(v) : v * v;
  Tensor sums = reduce_to_mask(p, Tensor::from_vector(w, p.shape));
  if (norm == MagnitudeNorm::l1) return sums;
  std::vector<float> out = sums.to_vector<float>();
  for (float& v : out) v = std::sqrt(v);
  return Tensor::from_vector(out, p.mask_shape);
}

Tensor taylor_importance(const ResolvedParameter& p, const Tensor& weight, const Tensor& grad) {
  return reduce_to_mask(p, Tensor::from_vector(product(p, weight, grad, true, 1.0f), p.shape));
}

Tensor movement_importance(const ResolvedParameter& p, const Tensor& weight, const Tensor& grad) {
  return reduce_to_mask(p, Tensor::from_vector(product(p, weight, grad, false, -1.0f), p.shape));
}

ImportanceAccumulator::ImportanceAccumulator(ResolvedParameter parameter, ScorerKind scorer)
    : parameter_(std::move(parameter)), scorer_(scorer) {
  PARE_CHECK(scorer == ScorerKind::taylor || scorer == ScorerKind::movement,
             "importance accumulator: ", parameter_.name, ": scorer ", to_string(scorer),
             " does not accumulate over steps");
  MaskLayout{parameter_};  // validates the layout before the first step
  reset();
}

void ImportanceAccumulator::add(const Tensor& weight, const Tensor& grad) {
  const Tensor step = scorer_ == ScorerKind::taylor ? taylor_importance(parameter_, weight, grad)
                                                    : movement_importance(parameter_, weight, grad);
  std::vector<float> total = scores_.to_vector<float>();
  const std::vector<float> delta = step.to_vector<float>();
  for (std::size_t i = 0; i < total.size(); ++i) total[i] += delta[i];
  scores_ = Tensor::from_vector(total, parameter_.mask_shape);
  ++steps_;
}

void ImportanceAccumulator::reset() {
  scores_ = Tensor::zeros(parameter_.mask_shape);
  steps_ = 0;
}

std::int64_t kept_count(std::int64_t n, double sparse_ratio) {
  check_ratio(sparse_ratio);
  PARE_CHECK(n >= 0, "top-k mask: negative entry count ", n);
  return std::llround((1.0 - sparse_ratio) * static_cast<double>(n));
}

Tensor topk_mask(const Tensor& scores, double sparse_ratio) {
  const std::vector<float> values = scores.to_vector<float>();
  check_finite(values, "top-k mask: score");
  return Tensor::from_vector(keep_top(values, kept_count(scores.numel(), sparse_ratio)), scores.shape());
}

std::vector<Tensor> global_topk_masks(const std::vector<Tensor>& scores, double sparse_ratio) {
  std::vector<float> all;
  for (const Tensor& s : scores) {
    const std::vector<float> values = s.to_vector<float>();
    all.insert(all.end(), values.begin(), values.end());
  }
  check_finite(all, "global top-k mask: score");
  const std::vector<float> kept = keep_top(all, kept_count(static_cast<std::int64_t>(all.size()), sparse_ratio));
  std::vector<Tensor> masks;
  std::size_t offset = 0;
  for (const Tensor& s : scores) {
    const auto begin = kept.begin() + static_cast<std::ptrdiff_t>(offset);
    masks.push_back(Tensor::from_vector(std::vector<float>(begin, begin + s.numel()), s.shape()));
    offset += static_cast<std::size_t>(s.numel());
  }
  return masks;
}

Tensor threshold_mask(const Tensor& scores, double threshold) {
  PARE_CHECK(std::isfinite(threshold) && threshold > 0.0 && threshold < 1.0,
             "threshold mask: sparse_threshold must be in (0, 1), got ", threshold);
  std::vector<float> values = scores.to_vector<float>();
  check_finite(values, "threshold mask: score");
  for (float& v : values) v = 1.0 / (1.0 + std::exp(-static_cast<double>(v))) >= threshold ? 1.0f : 0.0f;
  return Tensor::from_vector(values, scores.shape());
}

}  // namespace pare
