// pare speedup: turns a masks file into a smaller dense model directory (heads, FFN units and
// hidden dimensions removed, see prune/speedup.h) with the original's tokenizer files beside it.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/training_options.h"  // add_device_flag
#include "prune/speedup_directory.h"
#include "runtime/distributed/world.h"

namespace pare::cli {

void add_speedup_command(CLI::App& app) {
  struct Options {
    std::string model, masks, out, device = "cpu";
    bool overwrite = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "speedup",
      "Remove the attention heads, FFN units and hidden dimensions a masks file zeroes, writing a smaller model "
      "directory");
  cmd->add_option("--model", options->model, "HF model directory the masks were made for")->required();
  cmd->add_option("--masks", options->masks, "safetensors of 0/1 masks (U8 or F32) named and shaped as parameters")
      ->required();
  cmd->add_option("--out", options->out, "model directory to write (new or empty; outside the inputs)")->required();
  cmd->add_flag("--overwrite", options->overwrite,
                "replace what --out holds (atomically, once the new model is complete)");
  add_device_flag(cmd, options->device);
  cmd->callback([options] {
    // Surgery is one process's work: under mpirun rank 0 does it and the other ranks wait.
    on_rank_zero_alone([&] {
      const SpeedupDirectoryResult r = speedup_directory(options->model, options->masks, options->out,
                                                         parse_device(options->device), options->overwrite);
      if (!r.copied_tokenizer) {
        std::cerr << "speedup: " << options->model << " has no tokenizer files, so " << options->out
                  << " has none either\n";
      }
      std::cout << describe(r) << "wrote " << options->out << "\n";
    });
  });
}

}  // namespace pare::cli
