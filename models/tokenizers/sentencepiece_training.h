// train_sentencepiece: a sentencepiece vocabulary (unigram or BPE) trained from text files, laid out
// for BERT: [PAD]=0 (pad), [UNK]=1 (unknown), then [CLS]=2, [SEP]=3, [MASK]=4 as user-defined
// symbols, which sentencepiece keeps whole when they appear in a text; no <s>/</s>.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

enum class SentencePieceModelType { unigram, bpe };

// "unigram" or "bpe"; anything else throws naming the value.
SentencePieceModelType parse_sentencepiece_model_type(std::string_view name);

struct SentencePieceTrainingOptions {
  std::vector<std::filesystem::path> corpus_files;  // UTF-8 text, one sentence per line
  std::int64_t vocab_size = 8000;                   // includes the five special pieces
  SentencePieceModelType model_type = SentencePieceModelType::unigram;
  // Writes `<output_prefix>.model` and `<output_prefix>.vocab`; the folder is created if needed.
  std::filesystem::path output_prefix;
  double character_coverage = 0.9995;  // share of the corpus' characters the alphabet must cover
  int num_threads = 0;                 // 0: one per hardware thread
  bool quiet = true;                   // silence sentencepiece's progress log on stderr
};

// Trains in a temporary folder beside the output and renames the files into place (the .model
// last), so an interrupted or failed run leaves no partial model behind. Training runs in a child
// process, because sentencepiece ends its process on some corpora (control characters alone, for
// one). Invalid UTF-8 bytes in the corpus become U+FFFD. Returns the path of the .model file. Errors
// (missing corpus, a corpus without usable lines, a vocabulary size it cannot support, options
// outside sentencepiece's ranges, sentencepiece ending its process) throw pare::Error in pare's
// terms.
std::filesystem::path train_sentencepiece(const SentencePieceTrainingOptions& options);

}  // namespace pare
