#include "distill/distillation_losses.h"

#include <algorithm>
#include <vector>

#include "models/bert_heads.h"  // BertForQuestionAnswering::start_logits, end_logits
#include "runtime/error.h"
#include "runtime/ops/elementwise.h"  // add, add_scalar, div, mul, scale
#include "runtime/ops/loss.h"         // kl_div_with_temperature, mse_loss
#include "runtime/ops/reduce.h"       // mean

namespace pare {
namespace {

// Throws naming `what` when a mask the host can read (on the CPU) has no real token. On a device the
// check would cost a host read; a mask without tokens there gives a non-finite loss, which the
// trainer reports with its step.
void check_has_token(const Tensor& attention_mask, const char* what) {
  if (!attention_mask.device().is_cpu()) return;
  const std::vector<std::int64_t> mask = attention_mask.to_vector<std::int64_t>();
  PARE_CHECK(std::any_of(mask.begin(), mask.end(), [](std::int64_t m) { return m != 0; }), what,
             ": the attention_mask ", shape_str(attention_mask.shape()), " has no token");
}

void check_mask(const Tensor& attention_mask, const Tensor& states, const char* what) {
  PARE_CHECK(attention_mask.dtype() == DType::i64 || attention_mask.dtype() == DType::i32, what,
             ": attention_mask must be i64 or i32, got ", dtype_name(attention_mask.dtype()));
  PARE_CHECK(attention_mask.dim() == 2 && states.dim() == 3 && attention_mask.size(0) == states.size(0) &&
                 attention_mask.size(1) == states.size(1),
             what, ": attention_mask ", shape_str(attention_mask.shape()), " does not fit states ",
             shape_str(states.shape()));
}

}  // namespace

Tensor prediction_distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits,
                                    const Tensor& attention_mask, PredictionLossKind kind, double temperature) {
  const char* what = "prediction_distillation_loss";
  check_defined(student_logits, what, "student_logits");
  check_defined(teacher_logits, what, "teacher_logits");
  PARE_CHECK(student_logits.shape() == teacher_logits.shape(), what, ": student logits ",
             shape_str(student_logits.shape()), " and teacher logits ", shape_str(teacher_logits.shape()), " differ");
  PARE_CHECK(student_logits.dim() == 2 || student_logits.dim() == 3, what, ": logits must be [B, C] or [B, T, C], got ",
             shape_str(student_logits.shape()));
  Tensor s = student_logits, t = teacher_logits;
  if (s.dim() == 3) {
    const std::int64_t classes = s.size(2);
    s = s.reshape({-1, classes});
    t = t.reshape({-1, classes});
    if (attention_mask.defined()) {
      // Padding rows are zeroed in both, so they add nothing (equal logits: KL and MSE 0), and the
      // mean over all rows is rescaled to a mean over the real tokens.
      check_mask(attention_mask, student_logits, what);
      check_has_token(attention_mask, what);
      const Tensor keep = attention_mask.to(DType::f32).reshape({-1, 1});
      const Tensor loss = kind == PredictionLossKind::mse
                              ? mse_loss(mul(s, keep), mul(t, keep))
                              : kl_div_with_temperature(mul(s, keep), mul(t, keep), temperature);
      return div(loss, mean(keep));
    }
  }
  if (kind == PredictionLossKind::mse) return mse_loss(s, t);
  return kl_div_with_temperature(s, t, temperature);
}

Tensor answer_span_distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits,
                                     const Tensor& attention_mask, double temperature) {
  const char* what = "answer_span_distillation_loss";
  check_defined(student_logits, what, "student_logits");
  check_defined(teacher_logits, what, "teacher_logits");
  PARE_CHECK(
      student_logits.shape() == teacher_logits.shape() && student_logits.dim() == 3 && student_logits.size(2) == 2,
      what, ": student logits ", shape_str(student_logits.shape()), " and teacher logits ",
      shape_str(teacher_logits.shape()), " must both be [B, T, 2]");
  // Padding gets a logit far below every real one in both: no probability, so no KL.
  Tensor padding;
  if (attention_mask.defined()) {
    check_mask(attention_mask, student_logits, what);
    check_has_token(attention_mask, what);
    padding = scale(add_scalar(attention_mask.to(DType::f32), -1.0), 1e4);  // 0 on tokens, -1e4 on padding
  }
  auto channel = [&](const Tensor& logits, std::int64_t c) {
    const Tensor x =
        c == 0 ? BertForQuestionAnswering::start_logits(logits) : BertForQuestionAnswering::end_logits(logits);
    return padding.defined() ? add(x, padding) : x;
  };
  const Tensor start = kl_div_with_temperature(channel(student_logits, 0), channel(teacher_logits, 0), temperature);
  const Tensor end = kl_div_with_temperature(channel(student_logits, 1), channel(teacher_logits, 1), temperature);
  return scale(add(start, end), 0.5);
}

Tensor hidden_state_mse(const Tensor& student, const Tensor& teacher, const Tensor& attention_mask) {
  const char* what = "hidden_state_mse";
  check_defined(student, what, "student");
  check_defined(teacher, what, "teacher");
  PARE_CHECK(student.shape() == teacher.shape() && student.dim() == 3, what, ": student ", shape_str(student.shape()),
             " and teacher ", shape_str(teacher.shape()), " hidden states must both be [B, T, H]");
  if (!attention_mask.defined()) return mse_loss(student, teacher);
  check_mask(attention_mask, student, what);
  check_has_token(attention_mask, what);
  // Zeroing padding in both makes its squared difference 0; the mean over all positions is then
  // rescaled to a mean over the real tokens.
  const Tensor keep = attention_mask.to(DType::f32).reshape({student.size(0), student.size(1), 1});
  return div(mse_loss(mul(student, keep), mul(teacher, keep)), mean(keep));
}

}  // namespace pare
