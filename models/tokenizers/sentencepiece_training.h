// train_sentencepiece: a sentencepiece vocabulary (unigram or BPE) trained from text files, laid out
// for BERT: [PAD]=0 (pad), [UNK]=1 (unknown), then [CLS]=2, [SEP]=3, [MASK]=4 as user-defined
// symbols, which sentencepiece keeps whole when they appear in a text; no <s>/</s>.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

enum class SentencePieceModelType { unigram, bpe };

// "unigram" or "bpe"; anything else throws naming the value.
SentencePieceModelType parse_sentencepiece_model_type(std::string_view name);

inline constexpr std::int64_t kSentencePieceSpecialPieces = 5;  // [PAD] [UNK] [CLS] [SEP] [MASK]
// sentencepiece's own bound (trainer_interface.cc), checked here to name pare's options instead.
inline constexpr int kMaxSentencePieceThreads = 128;
// Far above any vocabulary in use (the largest are about 2^18); near 2^31 sentencepiece's own int
// arithmetic breaks and it trains without end (2 * 10^9 pieces on a small corpus ran for minutes).
inline constexpr std::int64_t kMaxSentencePieceVocabulary = std::int64_t{1} << 24;

struct SentencePieceTrainingOptions {
  std::vector<std::filesystem::path> corpus_files;  // UTF-8 text, one sentence per line
  std::int64_t vocab_size = 8000;                   // includes the five special pieces
  SentencePieceModelType model_type = SentencePieceModelType::unigram;
  // Writes `<output_prefix>.model` and `<output_prefix>.vocab`; the folder is created if needed.
  std::filesystem::path output_prefix;
  double character_coverage = 0.9995;  // share of the corpus' characters the alphabet must cover
  int num_threads = 0;                 // 0: one per hardware thread
  bool quiet = true;                   // silence sentencepiece's progress log on stderr
  // Asked while training runs; true ends the training process and throws pare::Interrupted, so a
  // stop signal to pare does not leave it writing beside the output (train/interrupt.h's flag).
  std::function<bool()> stop_requested;
};

// Trains in a temporary folder beside the output and renames the files into place (the .model
// last), so an interrupted or failed run leaves no partial model behind. Training runs in a child
// process, because sentencepiece ends its process on some corpora (control characters alone, for
// one); it ends with pare's process (a SIGKILL to pare included). Invalid UTF-8 bytes in the corpus become U+FFFD.
// Returns the path of the .model file. Errors (missing corpus, a corpus without usable lines, a vocabulary size it
// cannot support or above kMaxSentencePieceVocabulary, options outside sentencepiece's ranges, sentencepiece ending its
// process) throw pare::Error in pare's terms.
std::filesystem::path train_sentencepiece(const SentencePieceTrainingOptions& options);

}  // namespace pare
