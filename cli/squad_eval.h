// pare eval and pare finetune on SQuAD (--task squad or squad_v2): the flags only SQuAD has, and the
// runs.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

#include "cli/training_options.h"  // TaskFlags, TrainFlags

namespace pare::cli {

struct SquadEvalFlags {
  std::size_t doc_stride = 128, max_query_length = 64, n_best = 20, max_answer_length = 30;
  double null_threshold = 0.0;
  std::string predictions;  // file for {id: answer text}
};

bool is_squad_task(const std::string& task);
// --doc-stride, --max-query-length, --n-best, --max-answer-length, --null-threshold; with
// `predictions`, --predictions too (pare eval).
void add_squad_eval_flags(CLI::App* cmd, SquadEvalFlags& flags, bool predictions = true);

// pare finetune --task squad|squad_v2: the training and dev files from --data DIR (the official
// names) or --train and --dev; --seq defaults to 384 when not given (`seq_given`).
void run_squad_finetune(const SquadEvalFlags& flags, const std::string& model, const TaskFlags& task, bool seq_given,
                        const TrainFlags& train);

// The evaluation's JSON ({"task", "split", "metrics", "windows", "seconds"}), the predictions file
// written when asked. `data` is the directory of the official files, `dev` a file of their layout.
std::string run_squad_eval(const SquadEvalFlags& flags, const std::string& task, const std::string& model,
                           const std::string& data, const std::string& dev, std::size_t seq, bool seq_given,
                           std::size_t batch, std::size_t max_examples, const std::string& device);

}  // namespace pare::cli
