// pare eval on SQuAD (--task squad or squad_v2). Training on SQuAD (finetune, prune, distill) goes
// through the task flags (cli/training_options.h) and finetune()'s SQuAD path.
#pragma once

#include <cstddef>
#include <string>

#include "cli/training_options.h"  // TaskFlags

namespace pare::cli {

// The evaluation's JSON ({"task", "split", "metrics", "questions", "windows", "seconds"}); the answers
// written to `predictions` ({id: text}, the official scorer's input) when it is not empty.
std::string run_squad_eval(const TaskFlags& task, const std::string& model, std::size_t batch,
                           const std::string& device, const std::string& predictions);

}  // namespace pare::cli
