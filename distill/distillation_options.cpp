#include "distill/distillation_options.h"

#include <cmath>

#include "runtime/error.h"
#include "runtime/ops/loss.h"  // kMinKlTemperature, kMaxKlTemperature

namespace pare {

void DistillationOptions::validate() const {
  // Beyond these bounds the KL's precision, not the distillation, would decide the result.
  PARE_CHECK(temperature >= kMinKlTemperature && temperature <= kMaxKlTemperature,
             "distillation: temperature must lie in [", kMinKlTemperature, ", ", kMaxKlTemperature, "], got ",
             temperature);
  PARE_CHECK(std::isfinite(logit_weight) && logit_weight >= 0,
             "distillation: logit_weight must be finite and not negative, got ", logit_weight);
  PARE_CHECK(std::isfinite(hidden_weight) && hidden_weight >= 0,
             "distillation: hidden_weight must be finite and not negative, got ", hidden_weight);
  PARE_CHECK(logit_weight > 0 || hidden_weight > 0,
             "distillation: logit_weight and hidden_weight are both 0; nothing would be distilled");
}

}  // namespace pare
