// Masked-LM pretraining on raw text: the Brown corpus's sentences (train split for training, dev
// for evaluation) or text files (one sentence per line; every 20th packed sequence held out for
// evaluation). Consecutive sentences are packed into sequences of up to max_length tokens
// ([CLS] ... [SEP]) and corrupted by mask_tokens_for_mlm (15%, 80/10/10) as they are drawn.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "data/batching.h"                // TokenizedExample
#include "models/tokenizers/tokenizer.h"  // Tokenizer
#include "train/trainer.h"

namespace pare {

struct PretrainOptions {
  std::filesystem::path model_dir;  // continue pretraining this model directory (its tokenizer inside), or
  std::string size;                 // a fresh model of this named size (models/bert_sizes.h)
  std::filesystem::path tokenizer;  // with this tokenizer (directory or file)
  std::vector<std::filesystem::path> corpus_files;  // empty: the Brown corpus
  std::filesystem::path brown_dir = "corpora/brown";
  std::size_t max_length = 128;
  double mask_probability = 0.15;
  std::size_t eval_batch_size = 64;
  std::size_t max_eval_sequences = 512;  // evaluation cost stays bounded on big corpora
  TrainerOptions trainer;                // metric_for_best defaults to the masked-LM "loss", lower is better
};

// Packs sentences in order into [CLS] pieces [SEP] sequences of at most max_length tokens; a
// sentence longer than a sequence is cut into several. Empty sentences are skipped.
std::vector<TokenizedExample> pack_sentences(const Tokenizer& tokenizer, std::span<const std::string> sentences,
                                             std::size_t max_length);

TrainResult pretrain(const PretrainOptions& options);

}  // namespace pare
