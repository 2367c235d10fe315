// pare eval on SQuAD (--task squad or squad_v2): the flags only SQuAD has, and the run.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

namespace pare::cli {

struct SquadEvalFlags {
  std::size_t doc_stride = 128, max_query_length = 64, n_best = 20, max_answer_length = 30;
  double null_threshold = 0.0;
  std::string predictions;  // file for {id: answer text}
};

bool is_squad_task(const std::string& task);
void add_squad_eval_flags(CLI::App* cmd, SquadEvalFlags& flags);

// The evaluation's JSON ({"task", "split", "metrics", "windows", "seconds"}), the predictions file
// written when asked. `data` is the directory of the official files, `dev` a file of their layout.
std::string run_squad_eval(const SquadEvalFlags& flags, const std::string& task, const std::string& model,
                           const std::string& data, const std::string& dev, std::size_t seq, bool seq_given,
                           std::size_t batch, std::size_t max_examples, const std::string& device);

}  // namespace pare::cli
