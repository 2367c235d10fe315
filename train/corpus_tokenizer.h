// A BERT-ready sentencepiece vocabulary trained on the Brown corpus's training split and/or text
// files: what `pare tokenizer train` and `pare run`'s first stage call.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "models/tokenizers/sentencepiece_training.h"

namespace pare {

// `corpus` entries are text files (one sentence per line) or "brown" for the Brown training split
// read from `brown_dir`; options.corpus_files is replaced by them. Throws naming a missing file, and
// pare::Interrupted when SIGINT, SIGTERM or SIGHUP stops the training (train/interrupt.h).
// Returns the .model file (models/tokenizers/sentencepiece_training.h).
std::filesystem::path train_corpus_tokenizer(const std::vector<std::string>& corpus,
                                             const std::filesystem::path& brown_dir,
                                             SentencePieceTrainingOptions options);

}  // namespace pare
