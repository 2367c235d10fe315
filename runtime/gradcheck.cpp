#include "runtime/gradcheck.h"

#include <cmath>
#include <sstream>

#include "runtime/autograd.h"
#include "runtime/ops/elementwise.h"  // mul
#include "runtime/ops/reduce.h"       // sum
#include "runtime/random.h"

namespace pare {

std::string GradcheckResult::summary() const {
  std::ostringstream out;
  if (checked_elements == 0) return "no input requires grad: nothing was checked";
  out << mismatches.size() << " of " << checked_elements << " gradient elements out of tolerance";
  for (std::size_t i = 0; i < mismatches.size() && i < 5; ++i) {
    const GradcheckMismatch& m = mismatches[i];
    out << "; input " << m.input << " element " << m.element << ": analytic " << m.analytic << " vs numeric "
        << m.numeric;
  }
  return out.str();
}

GradcheckResult check_gradients(const TensorFunction& fn, std::vector<Tensor> inputs, const GradcheckTolerance& tol,
                                std::uint64_t seed) {
  Tensor probe;
  {
    NoGradGuard no_grad;
    probe = fn(inputs);
  }
  Generator gen(seed);
  const Tensor weights = Tensor::randn(probe.shape(), gen, 0.0f, 1.0f, probe.device());
  const std::vector<double> w = weights.to_vector<double>();
  // The objective is summed in double so its own rounding stays far below the differences measured.
  auto objective = [&] {
    NoGradGuard no_grad;
    const std::vector<double> out = fn(inputs).to_vector<double>();
    double total = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i) total += out[i] * w[i];
    return total;
  };

  for (Tensor& t : inputs) {
    if (t.requires_grad()) t.zero_grad();
  }
  sum(mul(fn(inputs), weights)).backward();

  GradcheckResult result;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    PARE_CHECK(x.is_contiguous() && x.dtype() == DType::f32, "check_gradients: input ", k,
               " must be a contiguous f32 tensor");
    PARE_CHECK(x.grad().defined(), "check_gradients: input ", k, " (shape ", shape_str(x.shape()),
               ") received no gradient");
    const std::vector<double> analytic = x.grad().to_vector<double>();
    // Perturbed through a host copy written back whole, so the check runs on any device.
    std::vector<float> values = x.to_vector<float>();
    const auto set_input = [&] {
      NoGradGuard no_grad;
      Tensor(x).copy_(Tensor::from_vector(values, x.shape(), x.device()));
    };
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const float saved = values[static_cast<std::size_t>(i)];
      values[static_cast<std::size_t>(i)] = saved + static_cast<float>(tol.eps);
      set_input();
      const double plus = objective();
      values[static_cast<std::size_t>(i)] = saved - static_cast<float>(tol.eps);
      set_input();
      const double minus = objective();
      values[static_cast<std::size_t>(i)] = saved;
      set_input();
      const double numeric = (plus - minus) / (2.0 * tol.eps);
      const double a = analytic[static_cast<std::size_t>(i)];
      ++result.checked_elements;
      if (!(std::abs(a - numeric) <= tol.atol + tol.rtol * std::abs(numeric))) {
        result.mismatches.push_back({k, i, a, numeric});
      }
    }
  }
  return result;
}

}  // namespace pare
