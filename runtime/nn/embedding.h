// Embedding: a [num_embeddings, dim] table looked up by integer ids.
#pragma once

#include <cstdint>

#include "runtime/nn/module.h"
#include "runtime/random.h"

namespace pare {

class Embedding : public Module {
 public:
  // BERT's initialisation: weight ~ Normal(0, init_std).
  Embedding(std::int64_t num_embeddings, std::int64_t dim, Generator& gen, float init_std = 0.02f);
  // Takes the given [num_embeddings, dim] tensor as the weight.
  explicit Embedding(Tensor weight);

  // ids [...] (i32 or i64) -> [..., dim].
  Tensor forward(const Tensor& ids) const;

  const Tensor& weight() const { return parameter("weight"); }
  std::int64_t num_embeddings() const { return weight().size(0); }
  std::int64_t dim() const { return weight().size(1); }
};

}  // namespace pare
