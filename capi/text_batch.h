// Texts from C callers to model inputs: each checked (not NULL, not empty, valid UTF-8) before any
// work starts, encoded with the model's tokenizer and truncation, then padded into batches.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "models/bert.h"  // BertInputs
#include "models/tokenizers/tokenizer.h"

struct pare_model;

namespace pare::capi {

// [CLS] text [SEP] [pair [SEP]] truncated to the model's max_tokens; `pair` may be null. Throws
// ApiError(PARE_ERROR_TEXT) naming `function` and `text_name`/`pair_name` ("texts[3]") for an empty or
// invalid text, PARE_ERROR_ARGUMENT for a null text.
Encoding encode_text(const pare_model& model, const char* function, const char* text, const char* text_name,
                     const char* pair, const char* pair_name);

// encode_text of texts[i] (and text_pairs[i] when text_pairs is not null) for i < n.
std::vector<Encoding> encode_texts(const pare_model& model, const char* function, const char* const* texts,
                                   const char* const* text_pairs, std::size_t n);

// Runs `forward(inputs, first)` on the encodings in order, at most the model's max_batch at a time,
// each batch padded to its longest (attention_mask 0 on padding), with the model's thread count,
// derived weights and no gradient recording. `first` is the index of the batch's first encoding.
void for_each_batch(const pare_model& model, const std::vector<Encoding>& encodings,
                    const std::function<void(const BertInputs& inputs, std::size_t first)>& forward);

}  // namespace pare::capi
