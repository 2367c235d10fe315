#include "runtime/nn/dropout.h"

#include "runtime/ops/dropout.h"  // dropout

namespace pare {

Dropout::Dropout(double p, Generator& gen) : p_(p), gen_(&gen) {
  PARE_CHECK(p >= 0.0 && p < 1.0, "Dropout: p must lie in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) const { return dropout(x, p_, is_training(), *gen_); }

}  // namespace pare
