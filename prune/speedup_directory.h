// Speed-up of a model directory: the masks file's heads, FFN units and hidden dimensions removed
// (prune/speedup.h) and the smaller model written as a new directory, atomically, with the
// original's tokenizer files and labels.txt beside it. What `pare speedup` and `pare run` call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "models/bert_config.h"
#include "prune/speedup.h"
#include "runtime/device.h"

namespace pare {

struct SpeedupDirectoryResult {
  SpeedupPlan plan;
  BertConfig before, after;
  std::int64_t parameters_before = 0, parameters_after = 0;
  bool copied_tokenizer = false;  // false when the input directory had no tokenizer files
};

// Throws pare::Error when `out` breaks the output-folder policy (train/output_folder.h: it holds or
// lies inside the model or the masks, or holds files and `overwrite` is false), when the model lacks
// weights, or when the masks do not fit it. `out` is replaced only once the new directory is complete.
SpeedupDirectoryResult speedup_directory(const std::filesystem::path& model_dir,
                                         const std::filesystem::path& masks_file, const std::filesystem::path& out,
                                         Device device = Device::cpu(), bool overwrite = false);

// One line per layer (heads and FFN units kept), the hidden size and the parameter counts.
std::string describe(const SpeedupDirectoryResult& result);

}  // namespace pare
