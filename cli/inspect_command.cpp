// pare inspect: the shape, parameter count and FLOPs of a model directory (from its config.json,
// once its weights' headers are checked against it), optionally against the model it was pruned from.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "models/bert_config.h"
#include "models/checkpoint.h"         // check_checkpoint_fits_config
#include "prune/model_size.h"          // measure_model, model_size_json, model_size_text
#include "prune/quantize_directory.h"  // weight_file_bytes

namespace pare::cli {
namespace {

ModelSize measure_dir(const std::string& dir, std::int64_t seq_len) {
  // The sizes are config.json's: they describe the model only when its weights agree.
  check_checkpoint_fits_config(dir);
  const BertConfig config = BertConfig::load(dir);
  return measure_model(config, task_from_architectures(config.architectures, dir + "/config.json"), seq_len);
}

// What the weights are stored as: "f32", or "int8" with the layers config.json keeps f32.
std::string weights_description(const BertConfig& config) {
  if (!config.quantization) return "f32";
  std::string out = "int8 (linear layers of the encoder and pooler";
  out += config.quantization->word_embeddings ? ", word embeddings" : "";
  out += "; per-channel scales";
  if (!config.quantization->kept_f32.empty()) {
    out += "; kept f32:";
    for (const std::string& name : config.quantization->kept_f32) out += " " + name;
  }
  return out + ")";
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
    const BertConfig config = BertConfig::load(options->model);
    const std::int64_t bytes = weight_file_bytes(options->model);
    if (options->json) {
      auto j = model_size_json(size, against);
      j["weights"] = weights_description(config);
      j["weight_file_bytes"] = bytes;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << model_size_text(size, against) << "weights: " << weights_description(config) << ", " << bytes
                << " bytes on disk\n";
    }
  });
}

}  // namespace pare::cli
