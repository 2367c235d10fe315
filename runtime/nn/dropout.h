// Dropout: zeroes activations with probability p in training mode; the identity in eval mode.
#pragma once

#include "runtime/nn/module.h"
#include "runtime/random.h"

namespace pare {

class Dropout : public Module {
 public:
  // Draws from `gen`, which must outlive the module. A model shares one generator among all its
  // dropouts so that a checkpoint saves the whole random state as one (seed, offset).
  Dropout(double p, Generator& gen);

  Tensor forward(const Tensor& x) const;

  double p() const { return p_; }
  Generator& generator() const { return *gen_; }

 private:
  double p_;
  Generator* gen_;
};

}  // namespace pare
