// pare forward: runs a model directory on inputs from a safetensors file and writes every output HF
// defines (last_hidden_state, pooler_output, logits, hidden_states.N), for parity checks against
// other implementations.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/training_options.h"    // add_device_flag
#include "models/checkpoint.h"       // load_pretrained
#include "models/forward_outputs.h"  // named_forward_outputs
#include "runtime/io/safetensors.h"

namespace pare::cli {

void add_forward_command(CLI::App& app) {
  struct Options {
    std::string model, input, output, device = "cpu";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "forward", "Run a model on input_ids [, attention_mask, token_type_ids] and write its outputs as safetensors");
  cmd->add_option("--model", options->model, "HF model directory (config.json + weights)")->required();
  cmd->add_option("--input", options->input,
                  "safetensors with int64 [batch, seq] input_ids, optional attention_mask and token_type_ids")
      ->required();
  cmd->add_option("--output", options->output,
                  "safetensors to write: last_hidden_state, pooler_output, logits, hidden_states.N")
      ->required();
  add_device_flag(cmd, options->device);
  cmd->callback([options] {
    const Device device = parse_device(options->device);
    LoadedBert loaded = load_pretrained(options->model);
    loaded.model->to(device);
    if (!loaded.report.initialised.empty()) std::cerr << loaded.report.summary() << "\n";
    const SafetensorsFile input = SafetensorsFile::open(options->input);
    StateDict inputs;
    for (const std::string& name : input.names()) inputs.emplace(name, input.load(name).to(device));
    save_safetensors(options->output, named_forward_outputs(*loaded.model, inputs, options->input));
  });
}

}  // namespace pare::cli
