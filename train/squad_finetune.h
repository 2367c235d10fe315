// Fine-tuning a model directory on SQuAD v1.1 or v2.0 (pare finetune --task squad / squad_v2): the
// model gets HF's question-answering head (kept when the checkpoint has one, else fresh), every
// training question's windows (data/squad.h) become training sequences whose targets are the answer's
// first and last tokens ([CLS] where the window lacks the whole answer), and dev is scored after each
// evaluation interval as the official scripts score it, F1 choosing the best checkpoint.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "data/squad.h"
#include "data/squad_answers.h"
#include "train/finetune.h"  // HookFactory
#include "train/trainer.h"

namespace pare {

struct SquadFinetuneOptions {
  std::filesystem::path model_dir;  // config.json, weights and a tokenizer
  std::filesystem::path train_file, dev_file;
  SquadVersion version = SquadVersion::v1_1;
  SquadWindowOptions windows;
  SquadAnswerOptions answers;
  std::size_t eval_batch_size = 64;
  std::size_t max_train_examples = 0;  // questions (0: all, else evenly spaced over the file)
  std::size_t max_eval_examples = 0;
  TrainerOptions trainer;  // metric_for_best defaults to f1
  HookFactory hooks;       // none when empty
  bool new_head = false;   // replace a checkpoint's head with a fresh one
};

TrainResult finetune_squad(const SquadFinetuneOptions& options, std::shared_ptr<BertTaskModel>* trained = nullptr);

// The SQuAD training sequences of `examples`: every window, with its answer span.
std::vector<TokenizedExample> squad_training_sequences(const std::vector<SquadWindow>& windows);

}  // namespace pare
