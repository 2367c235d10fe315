// pare inspect: the shape, parameter count and FLOPs of a model directory (from its config.json,
// once its weights' headers are checked against it), optionally against the model it was pruned from.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "models/bert_config.h"
#include "models/checkpoint.h"  // check_checkpoint_fits_config
#include "prune/model_size.h"   // measure_model, model_size_json, model_size_text

namespace pare::cli {
namespace {

ModelSize measure_dir(const std::string& dir, std::int64_t seq_len) {
  // The sizes are config.json's: they describe the model only when its weights agree.
  check_checkpoint_fits_config(dir);
  const BertConfig config = BertConfig::load(dir);
  return measure_model(config, task_from_architectures(config.architectures, dir + "/config.json"), seq_len);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  struct Options {
    std::string model, original;
    bool json = false;
    std::int64_t seq_len = 128;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Per-layer heads and FFN units, parameters and FLOPs per token of a model directory");
  cmd->add_option("--model", options->model, "HF model directory")->required();
  cmd->add_option("--original", options->original, "the unpruned model directory, for ratios");
  cmd->add_flag("--json", options->json, "print one JSON object instead of a table");
  cmd->add_option("--seq-len", options->seq_len, "sequence length the FLOPs per token assume")->check(at_least(1));
  cmd->callback([options] {
    const ModelSize size = measure_dir(options->model, options->seq_len);
    std::optional<ModelSize> original;
    if (!options->original.empty()) original = measure_dir(options->original, options->seq_len);
    const ModelSize* against = original ? &*original : nullptr;
    if (options->json) {
      std::cout << model_size_json(size, against).dump(2) << "\n";
    } else {
      std::cout << model_size_text(size, against);
    }
  });
}

}  // namespace pare::cli
