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

  // The int8 form (runtime/ops/quantized.h int8_embedding): the table becomes `values` (i8) with
  // "weight_scale" `scale` (f32 [num_embeddings], one per row). For inference only.
  void set_int8(Tensor values, Tensor scale);
  bool is_int8() const { return weight().dtype() == DType::i8; }

  const Tensor& weight() const { return parameter("weight"); }
  std::int64_t num_embeddings() const { return weight().size(0); }
  std::int64_t dim() const { return weight().size(1); }
};

}  // namespace pare
