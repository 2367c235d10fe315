// mask_tokens_for_mlm: BERT's masked-LM corruption. Of the maskable tokens, each is selected with
// probability `mask_probability` (15%); a selected token becomes [MASK] 80% of the time, a random
// vocabulary token 10%, and stays itself 10%. Labels hold the original id at selected positions
// and -100 (ignored by cross_entropy) everywhere else.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/random.h"
#include "runtime/tensor.h"

namespace pare {

struct MlmMaskingOptions {
  double mask_probability = 0.15;
  std::int64_t mask_token_id = 103;
  std::int64_t vocab_size = 30522;
  // Ids never selected (CLS, SEP, PAD, ...); positions where attention_mask is 0 are never selected.
  std::vector<std::int64_t> special_token_ids;
};

struct MlmBatch {
  Tensor input_ids;  // i64 [B, T], corrupted
  Tensor labels;     // i64 [B, T], original id or -100
};

// input_ids and attention_mask are i64 [B, T]. Decisions come from Philox counters reserved from
// `gen`, so a run resumed with the generator's saved state masks identically.
MlmBatch mask_tokens_for_mlm(const Tensor& input_ids, const Tensor& attention_mask, const MlmMaskingOptions& options,
                             Generator& gen);

}  // namespace pare
