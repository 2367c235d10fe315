// The step between a dataset and batching: a TextExample through a Tokenizer into a
// TokenizedExample (BERT's layouts [CLS] a [SEP] and [CLS] a [SEP] b [SEP]) with its label.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "data/batching.h"  // TokenizedExample
#include "data/example.h"
#include "models/tokenizers/tokenizer.h"  // Tokenizer, Truncation

namespace pare {

struct TokenizeOptions {
  std::size_t max_length = 128;                       // including the special tokens; 0: no limit
  Truncation truncation = Truncation::longest_first;  // pairs only
};

// Sentence tasks: encode_single or encode_pair, the label or score copied. Tagging: every word is
// encoded on its own (a word that yields no piece, such as a lone control character, becomes the
// unknown token so each word keeps a position), the first piece of each word carries its tag and
// the rest kIgnoreLabel; at max_length the tokens past the limit are dropped, and with them the
// tags of the words they held (so such words are neither trained on nor scored).
TokenizedExample tokenize_example(const Tokenizer& tokenizer, const TaskInfo& task, const TextExample& example,
                                  const TokenizeOptions& options = {});
std::vector<TokenizedExample> tokenize_examples(const Tokenizer& tokenizer, const TaskInfo& task,
                                                std::span<const TextExample> examples,
                                                const TokenizeOptions& options = {});

// Sequence lengths, for BatchSampler's bucketing.
std::vector<std::size_t> token_lengths(std::span<const TokenizedExample> examples);

}  // namespace pare
