#include "train/mlm_masking.h"

#include <algorithm>

#include "kernels/philox.h"  // philox4x32, uniform_from_bits
#include "runtime/error.h"

namespace pare {

MlmBatch mask_tokens_for_mlm(const Tensor& input_ids, const Tensor& attention_mask, const MlmMaskingOptions& options,
                             Generator& gen) {
  check_dtype(input_ids, DType::i64, "mask_tokens_for_mlm", "input_ids");
  check_dtype(attention_mask, DType::i64, "mask_tokens_for_mlm", "attention_mask");
  PARE_CHECK(input_ids.dim() == 2 && attention_mask.shape() == input_ids.shape(), "mask_tokens_for_mlm: input_ids ",
             shape_str(input_ids.shape()), " and attention_mask ", shape_str(attention_mask.shape()),
             " must be the same [batch, seq] shape");
  PARE_CHECK(options.mask_probability >= 0.0 && options.mask_probability <= 1.0,
             "mask_tokens_for_mlm: mask_probability ", options.mask_probability, " is outside [0, 1]");
  PARE_CHECK(options.vocab_size > 0 && options.mask_token_id >= 0 && options.mask_token_id < options.vocab_size,
             "mask_tokens_for_mlm: mask_token_id ", options.mask_token_id, " is outside the vocabulary of ",
             options.vocab_size);
  const std::vector<std::int64_t> ids = input_ids.to_vector<std::int64_t>();
  const std::vector<std::int64_t> attend = attention_mask.to_vector<std::int64_t>();
  std::vector<std::int64_t> corrupted = ids, labels(ids.size(), -100);
  // One Philox block (4 x 32 bits) per position: selection, 80/10/10 choice, random token.
  const std::uint64_t counter = gen.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const bool special = std::find(options.special_token_ids.begin(), options.special_token_ids.end(), ids[i]) !=
                         options.special_token_ids.end();
    if (attend[i] == 0 || special) continue;
    const kernels::Philox4 r = kernels::philox4x32(gen.seed(), counter + i, 0);
    if (1.0 - kernels::uniform_from_bits(r.v[0]) >= options.mask_probability) continue;
    labels[i] = ids[i];
    const float choice = 1.0f - kernels::uniform_from_bits(r.v[1]);
    if (choice < 0.8f) {
      corrupted[i] = options.mask_token_id;
    } else if (choice < 0.9f) {
      corrupted[i] = static_cast<std::int64_t>(r.v[2] % static_cast<std::uint64_t>(options.vocab_size));
    }
  }
  return {Tensor::from_vector(corrupted, input_ids.shape()), Tensor::from_vector(labels, input_ids.shape())};
}

}  // namespace pare
