#include "runtime/ops/loss.h"

#include "kernels/loss.h"  // cross_entropy_forward/backward, kl_div_forward/backward, mean_squared_error
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops/elementwise.h"  // mul, scale, sub

namespace pare {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index, double label_smoothing) {
  check_dtype(logits, DType::f32, "cross_entropy", "logits");
  check_defined(targets, "cross_entropy", "targets");
  check_same_device(logits, targets, "cross_entropy");
  PARE_CHECK(targets.dtype() == DType::i64 || targets.dtype() == DType::i32,
             "cross_entropy: targets must be i64 or i32, got ", dtype_name(targets.dtype()));
  PARE_CHECK(logits.dim() == 2 && targets.dim() == 1 && targets.size(0) == logits.size(0) && logits.size(1) > 0,
             "cross_entropy: logits must be [N, C] with C > 0 and targets [N], got logits ", shape_str(logits.shape()),
             " and targets ", shape_str(targets.shape()));
  PARE_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "cross_entropy: label_smoothing must be in [0, 1], got ",
             label_smoothing);
  const std::int64_t n = logits.size(0), c = logits.size(1);
  const Device device = logits.device();
  const Tensor y = targets.to(DType::i64).contiguous();
  const Tensor z = logits.contiguous();
  const auto eps = static_cast<float>(label_smoothing);
  // lse holds the n rows' log-sum-exps and, after them, the count of rows not ignored, so the
  // backward keeps one buffer.
  Tensor row_loss = Tensor::empty({n}, DType::f32, device), lse = Tensor::empty({n + 1}, DType::f32, device);
  // Every target ignored gives 0 (PyTorch gives NaN), so a batch without labels is harmless.
  Tensor out = Tensor::empty({}, DType::f32, device);
  PARE_LAUNCH(device, cross_entropy_forward, z.device_data<float>(), y.device_data<std::int64_t>(), n, c, ignore_index,
              eps, row_loss.device_data<float>(), lse.device_data<float>(), out.device_data<float>(),
              lse.device_data<float>() + n);
  return record(out, "cross_entropy", {logits},
                [z = z.detach(), y, lse, n, c, ignore_index, eps](const Tensor& g, const NeedsGrad&) {
                  Tensor grad = Tensor::empty({n, c}, DType::f32, z.device());
                  PARE_LAUNCH(z.device(), cross_entropy_backward, z.device_data<float>(), y.device_data<std::int64_t>(),
                              lse.device_data<float>(), n, c, ignore_index, eps, g.contiguous().device_data<float>(),
                              lse.device_data<float>() + n, grad.device_data<float>());
                  return std::vector<Tensor>{grad};
                });
}

Tensor mse_loss(const Tensor& a, const Tensor& b) {
  check_dtype(a, DType::f32, "mse_loss", "a");
  check_dtype(b, DType::f32, "mse_loss", "b");
  check_same_device(a, b, "mse_loss");
  PARE_CHECK(a.shape() == b.shape(), "mse_loss: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
             " differ");
  PARE_CHECK(a.numel() > 0, "mse_loss: empty inputs of shape ", shape_str(a.shape()));
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  const auto n = static_cast<double>(a.numel());
  Tensor out = Tensor::empty({}, DType::f32, a.device());
  PARE_LAUNCH(a.device(), mean_squared_error, ac.device_data<float>(), bc.device_data<float>(), a.numel(),
              out.device_data<float>());
  return record(out, "mse_loss", {a, b},
                [a = ac.detach(), b = bc.detach(), n](const Tensor& g, const NeedsGrad& needs) {
                  // 2 (a - b) / n times the upstream gradient, which stays on the device.
                  const Tensor grad = mul(sub(a, b), scale(g, 2.0 / n));
                  return std::vector<Tensor>{needs[0] ? grad : Tensor(), needs[1] ? scale(grad, -1.0) : Tensor()};
                });
}

Tensor kl_div_with_temperature(const Tensor& student_logits, const Tensor& teacher_logits, double temperature) {
  const char* op = "kl_div_with_temperature";
  check_dtype(student_logits, DType::f32, op, "student_logits");
  check_dtype(teacher_logits, DType::f32, op, "teacher_logits");
  check_same_device(student_logits, teacher_logits, op);
  PARE_CHECK(
      student_logits.shape() == teacher_logits.shape() && student_logits.dim() >= 1 && student_logits.numel() > 0, op,
      ": student ", shape_str(student_logits.shape()), " and teacher ", shape_str(teacher_logits.shape()),
      " logits must have the same non-empty shape");
  PARE_CHECK(temperature >= kMinKlTemperature && temperature <= kMaxKlTemperature, op, ": temperature ", temperature,
             " is outside [", kMinKlTemperature, ", ", kMaxKlTemperature, "]");
  const std::int64_t c = student_logits.size(-1), rows = student_logits.numel() / c;
  const Tensor s = student_logits.contiguous(), t = teacher_logits.contiguous();
  const Device device = s.device();
  const double inv_t = 1.0 / temperature;
  Tensor row_kl = Tensor::empty({rows}, DType::f32, device), out = Tensor::empty({}, DType::f32, device);
  PARE_LAUNCH(device, kl_div_forward, s.device_data<float>(), t.device_data<float>(), rows, c, inv_t,
              temperature * temperature / static_cast<double>(rows), row_kl.device_data<float>(),
              out.device_data<float>());
  return record(
      out, op, {student_logits, teacher_logits},
      [s = s.detach(), t = t.detach(), row_kl, rows, c, inv_t, temperature](const Tensor& g, const NeedsGrad& needs) {
        std::vector<Tensor> grads(2);
        if (needs[0]) grads[0] = Tensor::empty(s.shape(), DType::f32, s.device());
        if (needs[1]) grads[1] = Tensor::empty(t.shape(), DType::f32, s.device());
        auto ptr = [](const Tensor& x) { return x.defined() ? x.device_data<float>() : nullptr; };
        // d(T^2 KL / rows) / d logits = T^2 / rows * (1 / T) * d KL / d(logits / T).
        PARE_LAUNCH(s.device(), kl_div_backward, s.device_data<float>(), t.device_data<float>(), rows, c, inv_t,
                    row_kl.device_data<float>(), g.contiguous().device_data<float>(),
                    temperature / static_cast<double>(rows), ptr(grads[0]), ptr(grads[1]));
        return grads;
      });
}

}  // namespace pare
