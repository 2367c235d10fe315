#include "runtime/ops/loss.h"

#include "kernels/loss.h"  // cross_entropy_forward/backward, kl_div_forward/backward, squared_error_sum
#include "runtime/autograd.h"
#include "runtime/ops/elementwise.h"  // scale, sub

namespace pare {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index, double label_smoothing) {
  check_dtype(logits, DType::f32, "cross_entropy", "logits");
  check_defined(targets, "cross_entropy", "targets");
  check_cpu(logits, "cross_entropy");
  check_same_device(logits, targets, "cross_entropy");
  PARE_CHECK(targets.dtype() == DType::i64 || targets.dtype() == DType::i32,
             "cross_entropy: targets must be i64 or i32, got ", dtype_name(targets.dtype()));
  PARE_CHECK(logits.dim() == 2 && targets.dim() == 1 && targets.size(0) == logits.size(0) && logits.size(1) > 0,
             "cross_entropy: logits must be [N, C] with C > 0 and targets [N], got logits ", shape_str(logits.shape()),
             " and targets ", shape_str(targets.shape()));
  PARE_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "cross_entropy: label_smoothing must be in [0, 1], got ",
             label_smoothing);
  const std::int64_t n = logits.size(0), c = logits.size(1);
  const Tensor y = targets.to(DType::i64).contiguous();
  const std::int64_t* py = y.data<std::int64_t>();
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (py[i] == ignore_index) continue;
    PARE_CHECK(py[i] >= 0 && py[i] < c, "cross_entropy: target ", py[i], " at row ", i, " out of range for ", c,
               " classes (ignore_index is ", ignore_index, ")");
    ++count;
  }
  const Tensor z = logits.contiguous();
  const auto eps = static_cast<float>(label_smoothing);
  Tensor row_loss = Tensor::empty({n}), lse = Tensor::empty({n});
  kernels::cpu::cross_entropy_forward(z.data<float>(), py, n, c, ignore_index, eps, row_loss.data<float>(),
                                      lse.data<float>());
  double total = 0.0;
  for (float l : row_loss.to_vector<float>()) total += l;
  // Every target ignored gives 0 (PyTorch gives NaN), so a batch without labels is harmless.
  Tensor out = Tensor::full({}, count > 0 ? total / static_cast<double>(count) : 0.0);
  return record(out, "cross_entropy", {logits},
                [z = z.detach(), y, lse, n, c, ignore_index, eps, count](const Tensor& g, const NeedsGrad&) {
                  Tensor grad = Tensor::empty({n, c});
                  const double scale = count > 0 ? g.item() / static_cast<double>(count) : 0.0;
                  kernels::cpu::cross_entropy_backward(z.data<float>(), y.data<std::int64_t>(), lse.data<float>(), n, c,
                                                       ignore_index, eps, static_cast<float>(scale),
                                                       grad.data<float>());
                  return std::vector<Tensor>{grad};
                });
}

Tensor mse_loss(const Tensor& a, const Tensor& b) {
  check_dtype(a, DType::f32, "mse_loss", "a");
  check_dtype(b, DType::f32, "mse_loss", "b");
  check_cpu(a, "mse_loss");
  check_same_device(a, b, "mse_loss");
  PARE_CHECK(a.shape() == b.shape(), "mse_loss: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
             " differ");
  PARE_CHECK(a.numel() > 0, "mse_loss: empty inputs of shape ", shape_str(a.shape()));
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  const auto n = static_cast<double>(a.numel());
  const double total = kernels::cpu::squared_error_sum(ac.data<float>(), bc.data<float>(), a.numel());
  Tensor out = Tensor::full({}, total / n);
  return record(out, "mse_loss", {a, b},
                [a = ac.detach(), b = bc.detach(), n](const Tensor& g, const NeedsGrad& needs) {
                  const double factor = 2.0 * g.item() / n;
                  const Tensor diff = sub(a, b);
                  return std::vector<Tensor>{needs[0] ? scale(diff, factor) : Tensor(),
                                             needs[1] ? scale(diff, -factor) : Tensor()};
                });
}

Tensor kl_div_with_temperature(const Tensor& student_logits, const Tensor& teacher_logits, double temperature) {
  const char* op = "kl_div_with_temperature";
  check_dtype(student_logits, DType::f32, op, "student_logits");
  check_dtype(teacher_logits, DType::f32, op, "teacher_logits");
  check_cpu(student_logits, op);
  check_same_device(student_logits, teacher_logits, op);
  PARE_CHECK(
      student_logits.shape() == teacher_logits.shape() && student_logits.dim() >= 1 && student_logits.numel() > 0, op,
      ": student ", shape_str(student_logits.shape()), " and teacher ", shape_str(teacher_logits.shape()),
      " logits must have the same non-empty shape");
  PARE_CHECK(temperature > 0.0, op, ": temperature must be positive, got ", temperature);
  const std::int64_t c = student_logits.size(-1), rows = student_logits.numel() / c;
  const Tensor s = student_logits.contiguous(), t = teacher_logits.contiguous();
  const auto inv_t = static_cast<float>(1.0 / temperature);
  Tensor row_kl = Tensor::empty({rows}), lse_s = Tensor::empty({rows}), lse_t = Tensor::empty({rows});
  kernels::cpu::kl_div_forward(s.data<float>(), t.data<float>(), rows, c, inv_t, row_kl.data<float>(),
                               lse_s.data<float>(), lse_t.data<float>());
  double total = 0.0;
  for (float kl : row_kl.to_vector<float>()) total += kl;
  Tensor out = Tensor::full({}, total * temperature * temperature / static_cast<double>(rows));
  return record(out, op, {student_logits, teacher_logits},
                [s = s.detach(), t = t.detach(), row_kl, lse_s, lse_t, rows, c, inv_t, temperature](
                    const Tensor& g, const NeedsGrad& needs) {
                  // d(T^2 KL / rows) / d logits = T^2 / rows * (1 / T) * d KL / d(logits / T).
                  const double scale = g.item() * temperature / static_cast<double>(rows);
                  std::vector<Tensor> grads(2);
                  if (needs[0]) grads[0] = Tensor::empty(s.shape());
                  if (needs[1]) grads[1] = Tensor::empty(t.shape());
                  auto ptr = [](const Tensor& x) { return x.defined() ? x.data<float>() : nullptr; };
                  kernels::cpu::kl_div_backward(s.data<float>(), t.data<float>(), rows, c, inv_t, row_kl.data<float>(),
                                                lse_s.data<float>(), lse_t.data<float>(), static_cast<float>(scale),
                                                ptr(grads[0]), ptr(grads[1]));
                  return grads;
                });
}

}  // namespace pare
