// pare speedup: turns a masks file into a smaller dense model directory (heads, FFN units and
// hidden dimensions removed, see prune/speedup.h) with the original's tokenizer files beside it.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/training_options.h"  // add_device_flag
#include "models/checkpoint.h"     // load_pretrained, save_pretrained
#include "prune/masks.h"           // load_masks, resolve_masks
#include "prune/speedup.h"
#include "runtime/error.h"
#include "train/atomic_directory.h"
#include "train/tokenizer_files.h"

namespace pare::cli {
namespace {

namespace fs = std::filesystem;

bool holds_tokenizer(const fs::path& dir) {
  for (const char* name : {"tokenizer.json", "vocab.txt"}) {
    if (fs::exists(dir / name)) return true;
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".model") return true;
  }
  return false;
}

std::int64_t parameter_count(const Module& model) {
  std::int64_t n = 0;
  for (const auto& [name, p] : model.named_parameters()) n += p.numel();
  return n;
}

void run_speedup(const fs::path& model_dir, const fs::path& masks_file, const fs::path& out, Device device) {
  std::error_code ec;
  PARE_CHECK(!fs::exists(out) || !fs::equivalent(model_dir, out, ec), "speedup: --out ", out.string(),
             " is the input model directory; write the smaller model elsewhere");
  LoadedBert loaded = load_pretrained(model_dir);
  PARE_CHECK(loaded.report.initialised.empty(), "speedup: ", loaded.report.summary(),
             "\na model to compact must hold all its weights");
  loaded.model->to(device);
  loaded.model->eval();
  const Masks masks = resolve_masks(*loaded.model, load_masks(masks_file), masks_file.string());
  const SpeedupPlan plan = plan_speedup(*loaded.model, masks);
  const auto compact = speedup(*loaded.model, masks);

  AtomicDirectory dir(out);
  save_pretrained(*compact, dir.temp_path());
  if (holds_tokenizer(model_dir)) {
    for (const fs::path& file : tokenizer_files(model_dir)) fs::copy_file(file, dir.temp_path() / file.filename());
  } else {
    std::cerr << "speedup: " << model_dir.string() << " has no tokenizer files, so " << out.string()
              << " has none either\n";
  }
  dir.commit();

  const auto& before = loaded.model->config().layer_shapes;
  for (std::size_t i = 0; i < before.size(); ++i) {
    std::cout << "layer " << i << ": heads " << plan.kept_heads[i].size() << "/" << before[i].heads << ", FFN units "
              << plan.kept_units[i].size() << "/" << before[i].ffn_dim << "\n";
  }
  std::cout << "hidden size " << plan.kept_hidden.size() << "/" << loaded.model->config().hidden_size;
  const BertConfig& compacted = compact->config();
  if (compacted.layer_norm_size() != compacted.hidden_size) {
    std::cout << " (LayerNorms over " << compacted.layer_norm_size() << ")";
  }
  std::cout << "\n";
  std::cout << "parameters " << parameter_count(*loaded.model) << " -> " << parameter_count(*compact) << "\n"
            << "wrote " << out.string() << "\n";
}

}  // namespace

void add_speedup_command(CLI::App& app) {
  struct Options {
    std::string model, masks, out, device = "cpu";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "speedup",
      "Remove the attention heads, FFN units and hidden dimensions a masks file zeroes, writing a smaller model "
      "directory");
  cmd->add_option("--model", options->model, "HF model directory the masks were made for")->required();
  cmd->add_option("--masks", options->masks, "safetensors of 0/1 masks (U8 or F32) named and shaped as parameters")
      ->required();
  cmd->add_option("--out", options->out, "model directory to write (replaced atomically if it exists)")->required();
  add_device_flag(cmd, options->device);
  cmd->callback(
      [options] { run_speedup(options->model, options->masks, options->out, parse_device(options->device)); });
}

}  // namespace pare::cli
