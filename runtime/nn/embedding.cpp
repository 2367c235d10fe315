#include "runtime/nn/embedding.h"

#include "runtime/nn/int8_weight.h"
#include "runtime/ops/indexing.h"   // embedding
#include "runtime/ops/quantized.h"  // int8_embedding

namespace pare {
namespace {

Tensor normal_table(std::int64_t num_embeddings, std::int64_t dim, Generator& gen, float init_std) {
  PARE_CHECK(num_embeddings > 0 && dim > 0, "Embedding: sizes must be positive, got ", num_embeddings, " x ", dim);
  return Tensor::randn({num_embeddings, dim}, gen, 0.0f, init_std);
}

}  // namespace

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t dim, Generator& gen, float init_std)
    : Embedding(normal_table(num_embeddings, dim, gen, init_std)) {}

Embedding::Embedding(Tensor weight) {
  check_defined(weight, "Embedding", "weight");
  PARE_CHECK(weight.dim() == 2, "Embedding: weight must be [num_embeddings, dim], got ", shape_str(weight.shape()));
  register_parameter("weight", std::move(weight));
}

void Embedding::set_int8(Tensor values, Tensor scale) {
  set_int8_weight(*this, "Embedding", std::move(values), std::move(scale));
}

Tensor Embedding::forward(const Tensor& ids) const {
  if (is_int8()) return int8_embedding(parameter("weight"), parameter("weight_scale"), ids);
  return embedding(forward_parameter("weight"), ids);
}

}  // namespace pare
