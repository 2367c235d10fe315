#include "distill/distillation_options.h"

#include <cmath>

#include "runtime/error.h"

namespace pare {

void DistillationOptions::validate() const {
  PARE_CHECK(std::isfinite(temperature) && temperature > 0, "distillation: temperature must be positive, got ",
             temperature);
  PARE_CHECK(std::isfinite(logit_weight) && logit_weight >= 0,
             "distillation: logit_weight must be finite and not negative, got ", logit_weight);
  PARE_CHECK(std::isfinite(hidden_weight) && hidden_weight >= 0,
             "distillation: hidden_weight must be finite and not negative, got ", hidden_weight);
  PARE_CHECK(logit_weight > 0 || hidden_weight > 0,
             "distillation: logit_weight and hidden_weight are both 0; nothing would be distilled");
}

}  // namespace pare
