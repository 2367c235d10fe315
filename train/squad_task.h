// What a SQuAD training run reads beside the model (pare finetune, prune and distill with --task
// squad or squad_v2): the files, the version and how questions become windows and answers.
#pragma once

#include <filesystem>

#include "data/squad.h"
#include "data/squad_answers.h"

namespace pare {

struct SquadTask {
  std::filesystem::path train_file, dev_file;
  SquadVersion version = SquadVersion::v1_1;
  SquadWindowOptions windows;
  SquadAnswerOptions answers;
};

}  // namespace pare
