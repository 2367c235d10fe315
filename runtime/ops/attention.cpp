#include "runtime/ops/attention.h"

#include <cmath>

#include "kernels/attention.h"  // attention_forward, attention_backward
#include "kernels/dropout.h"    // keep_mask_counters
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/dropout.h"
#include "runtime/ops/elementwise.h"  // broadcast_shapes, add, scale
#include "runtime/ops/matmul.h"
#include "runtime/ops/reduce.h"  // sum_to
#include "runtime/ops/softmax.h"
#include "runtime/precision.h"  // matmul_precision

namespace pare {
namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

void check_operand(const Tensor& t, const char* arg) {
  check_dtype(t, DType::f32, kOp, arg);
  PARE_CHECK(t.dim() == 4, kOp, ": ", arg, " must be [batch, heads, seq, head_dim], got shape ", shape_str(t.shape()));
}

// The mask's strides as the kernel reads it: [B, H, T, S] with 0 on broadcast axes.
kernels::AttentionMask mask_view(const Tensor& mask, const Shape& scores_shape) {
  kernels::AttentionMask view;
  if (!mask.defined()) return view;
  view.data = mask.device_data<float>();
  const std::size_t lead = 4 - mask.shape().size();
  for (std::size_t i = 0; i < mask.shape().size(); ++i) {
    view.strides[lead + i] = mask.shape()[i] == 1 && scores_shape[lead + i] != 1 ? 0 : mask.strides()[i];
  }
  return view;
}

// `t` itself when the kernel can read it in place (rows of adjacent elements), else a packed copy.
Tensor readable(const Tensor& t) {
  const bool rows_adjacent = t.size(3) == 1 || t.strides()[3] == 1;
  const bool rows_apart = t.size(2) == 1 || t.strides()[2] >= t.size(3);
  return rows_adjacent && rows_apart ? t : t.contiguous();
}

kernels::HeadMatrices heads_of(const Tensor& t) {
  // A single row's stride is never stepped; BLAS still wants it to be at least the row length.
  const std::int64_t row = t.size(2) == 1 ? t.size(3) : t.strides()[2];
  return {t.device_data<float>(), t.strides()[0], t.strides()[1], row};
}

kernels::MutableHeadMatrices mutable_heads_of(const Tensor& t) {
  if (!t.defined()) return {};
  const kernels::HeadMatrices h = heads_of(t);
  return {t.device_data<float>(), h.batch_stride, h.head_stride, h.row_stride};
}

// A fresh [B, H, rows, d] tensor laid out as `like` is: [B, rows, H, d] memory seen through a
// permutation when `like` is such a head-split view (its heads lie closer together than its rows),
// so the output of a head-split attention permutes back to [B, T, H, d] without a copy, and the
// gradients flow back into the projections the same way. Packed otherwise.
Tensor empty_like_heads(const Tensor& like) {
  const Shape& shape = like.shape();
  const bool heads_inside_rows = like.size(1) > 1 && like.size(2) > 1 && like.strides()[1] < like.strides()[2];
  if (!heads_inside_rows) return Tensor::empty(shape, DType::f32, like.device());
  return Tensor::empty({shape[0], shape[2], shape[1], shape[3]}, DType::f32, like.device()).permute({0, 2, 1, 3});
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& additive_mask,
                                    double dropout_p, Generator* gen) {
  check_operand(q, "q");
  check_operand(k, "k");
  check_operand(v, "v");
  check_same_device(q, k, kOp);
  check_same_device(q, v, kOp);
  const std::int64_t B = q.size(0), H = q.size(1), T = q.size(2), d = q.size(3), S = k.size(2);
  PARE_CHECK(k.shape() == v.shape() && k.size(0) == B && k.size(1) == H && k.size(3) == d, kOp, ": q ",
             shape_str(q.shape()), ", k ", shape_str(k.shape()), " and v ", shape_str(v.shape()),
             " must be [B, H, T, d], [B, H, S, d] and [B, H, S, d]");
  PARE_CHECK(d > 0 && S > 0, kOp, ": head_dim and key length must be positive, got q ", shape_str(q.shape()), " and k ",
             shape_str(k.shape()));
  const Shape scores_shape = {B, H, T, S};
  if (additive_mask.defined()) {
    check_dtype(additive_mask, DType::f32, kOp, "additive_mask");
    check_same_device(q, additive_mask, kOp);
    PARE_CHECK(additive_mask.dim() <= 4 && broadcast_shapes(additive_mask.shape(), scores_shape, kOp) == scores_shape,
               kOp, ": additive_mask of shape ", shape_str(additive_mask.shape()), " does not broadcast to the scores ",
               shape_str(scores_shape));
  }
  PARE_CHECK(dropout_p >= 0.0 && dropout_p < 1.0, kOp, ": dropout_p must be in [0, 1), got ", dropout_p);
  if (matmul_precision() == Precision::bf16) {
    // The bf16 policy: the two products (and their gradients) go through matmul, which runs them on
    // bf16 operands; the scores are materialised as ops. Dropout draws the same decisions as the
    // attention kernels would (one stream over the flattened [B, H, T, S] probabilities).
    Tensor scores = scale(matmul(q, k.transpose(-1, -2)), 1.0 / std::sqrt(static_cast<double>(d)));
    if (additive_mask.defined()) scores = add(scores, additive_mask);
    Tensor probabilities = softmax(scores);
    if (gen != nullptr && dropout_p > 0.0) probabilities = dropout(probabilities, dropout_p, true, *gen);
    return matmul(probabilities, v);
  }

  const Tensor qc = readable(q), kc = readable(k), vc = readable(v);
  const kernels::AttentionDims dims{B, H, T, S, d};
  const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  kernels::AttentionDropout dropout;
  if (gen != nullptr && dropout_p > 0.0) {
    dropout.p = static_cast<float>(dropout_p);
    dropout.seed = gen->seed();
    dropout.counter = gen->reserve(kernels::keep_mask_counters(B * H * T * S));
  }
  const Device device = q.device();
  Tensor saved = Tensor::empty({PARE_LAUNCH(device, attention_saved_size, dims)}, DType::f32, device);
  Tensor out = empty_like_heads(qc);
  PARE_LAUNCH(device, attention_forward, dims, scale, heads_of(qc), heads_of(kc), heads_of(vc),
              mask_view(additive_mask, scores_shape), dropout, saved.device_data<float>(), mutable_heads_of(out));

  return record(out, kOp, {q, k, v, additive_mask},
                [dims, scale, dropout, q = qc.detach(), k = kc.detach(), v = vc.detach(), saved, device,
                 mask = additive_mask.defined() ? additive_mask.detach() : Tensor(),
                 mask_shape = additive_mask.defined() ? additive_mask.shape() : Shape{},
                 scores_shape](const Tensor& g, const NeedsGrad& needs) {
                  const Tensor grad_out = readable(g);
                  std::vector<Tensor> grads(4);
                  const Tensor* inputs[3] = {&q, &k, &v};
                  for (std::size_t i = 0; i < 3; ++i) {
                    if (needs[i]) grads[i] = empty_like_heads(*inputs[i]);
                  }
                  if (needs[3]) grads[3] = Tensor::empty(scores_shape, DType::f32, device);
                  PARE_LAUNCH(device, attention_backward, dims, scale, heads_of(q), heads_of(k), heads_of(v),
                              mask_view(mask, scores_shape), saved.device_data<float>(), dropout, heads_of(grad_out),
                              mutable_heads_of(grads[0]), mutable_heads_of(grads[1]), mutable_heads_of(grads[2]),
                              grads[3].defined() ? grads[3].device_data<float>() : nullptr);
                  if (needs[3]) grads[3] = sum_to(grads[3], mask_shape);
                  return grads;
                });
}

}  // namespace pare
