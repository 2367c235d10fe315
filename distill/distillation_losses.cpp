#include "distill/distillation_losses.h"

#include <vector>

#include "runtime/error.h"
#include "runtime/ops/elementwise.h"  // mul, scale
#include "runtime/ops/indexing.h"     // index_select
#include "runtime/ops/loss.h"         // kl_div_with_temperature, mse_loss

namespace pare {
namespace {

// The positions (flattened b * T + t) whose mask entry is non-zero.
std::vector<std::int64_t> kept_positions(const Tensor& attention_mask) {
  const std::vector<std::int64_t> mask = attention_mask.to_vector<std::int64_t>();
  std::vector<std::int64_t> kept;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (mask[i] != 0) kept.push_back(static_cast<std::int64_t>(i));
  }
  return kept;
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
      check_mask(attention_mask, student_logits, what);
      const std::vector<std::int64_t> kept = kept_positions(attention_mask);
      PARE_CHECK(!kept.empty(), what, ": the attention_mask ", shape_str(attention_mask.shape()), " has no token");
      const Tensor rows = Tensor::from_vector(kept, {static_cast<std::int64_t>(kept.size())});
      s = index_select(s, 0, rows);
      t = index_select(t, 0, rows);
    }
  }
  if (kind == PredictionLossKind::mse) return mse_loss(s, t);
  return kl_div_with_temperature(s, t, temperature);
}

Tensor hidden_state_mse(const Tensor& student, const Tensor& teacher, const Tensor& attention_mask) {
  const char* what = "hidden_state_mse";
  check_defined(student, what, "student");
  check_defined(teacher, what, "teacher");
  PARE_CHECK(student.shape() == teacher.shape() && student.dim() == 3, what, ": student ", shape_str(student.shape()),
             " and teacher ", shape_str(teacher.shape()), " hidden states must both be [B, T, H]");
  if (!attention_mask.defined()) return mse_loss(student, teacher);
  check_mask(attention_mask, student, what);
  const std::int64_t tokens = static_cast<std::int64_t>(kept_positions(attention_mask).size());
  PARE_CHECK(tokens > 0, what, ": the attention_mask ", shape_str(attention_mask.shape()), " has no token");
  const std::int64_t positions = attention_mask.numel();
  if (tokens == positions) return mse_loss(student, teacher);
  // Zeroing padding in both makes its squared difference 0; the mean over all positions is then
  // rescaled to a mean over the real tokens.
  const Tensor mask = attention_mask.to(DType::f32).reshape({student.size(0), student.size(1), 1});
  const Tensor all_positions = mse_loss(mul(student, mask), mul(teacher, mask));
  return scale(all_positions, static_cast<double>(positions) / static_cast<double>(tokens));
}

}  // namespace pare
