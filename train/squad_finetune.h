// Fine-tuning a model directory on SQuAD v1.1 or v2.0 (pare finetune --task squad / squad_v2): the
// model gets HF's question-answering head (kept when the checkpoint has one, else fresh), every
// training question's windows (data/squad.h) become training sequences whose targets are the answer's
// first and last tokens ([CLS] where the window lacks the whole answer), and dev is scored after each
// evaluation interval as the official scripts score it, F1 choosing the best checkpoint.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "data/batching.h"   // TokenizedExample
#include "train/finetune.h"  // FinetuneOptions

namespace pare {

// `options.squad` must be set (finetune() calls this when it is); options.data is unused.
TrainResult finetune_squad(const FinetuneOptions& options, std::shared_ptr<BertTaskModel>* trained = nullptr);

// The SQuAD training sequences of `examples`: every window, with its answer span.
std::vector<TokenizedExample> squad_training_sequences(const std::vector<SquadWindow>& windows);

}  // namespace pare
