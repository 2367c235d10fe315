// pare quantize: an int8 model directory from an f32 one (prune/quantize_directory.h), and with a
// task or the user's files the accuracy guard: both models' metrics on the dev split side by side.
// Prints one JSON object.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "cli/training_options.h"  // add_user_data_flags, data_source, metrics_json
#include "prune/quantize_directory.h"
#include "runtime/error.h"
#include "train/finetune.h"   // evaluate_model
#include "train/task_data.h"  // task_info

namespace pare::cli {

void add_quantize_command(CLI::App& app) {
  struct Options {
    std::string model, out, task, data, brown;
    std::vector<std::string> keep_f32;
    bool overwrite = false;
    std::size_t seq = 128, batch = 64, max_examples = 0;
    UserDataFiles user;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Write an int8 copy of a model directory (linear layers and word embeddings int8, per-channel scales); with "
      "--task or your files, compare both models on the dev split");
  cmd->add_option("--model", options->model, "f32 model directory (config.json, weights, tokenizer)")->required();
  cmd->add_option("--out", options->out, "the int8 model directory to write")->required();
  cmd->add_option("--keep-f32", options->keep_f32,
                  "regular expression over module names (bert.encoder.layer.3.output.dense) to leave f32; repeatable");
  cmd->add_flag("--overwrite", options->overwrite, "replace --out when it holds files");
  cmd->add_option("--task", options->task,
                  "check: brown-genre, brown-pos, brown-order or a GLUE task; or the user's files (--dev)");
  add_user_data_flags(cmd, options->user);
  cmd->add_option("--data", options->data, "GLUE: the task's directory");
  cmd->add_option("--brown", options->brown, "Brown corpus directory (default corpora/brown)");
  cmd->add_option("--seq", options->seq, "check: maximum tokens per example")
      ->check(at_least(3))
      ->capture_default_str();
  cmd->add_option("--batch", options->batch, "check: sequences per batch")->check(at_least(1))->capture_default_str();
  cmd->add_option("--max-examples", options->max_examples, "check: at most N examples, evenly spread (0: all)")
      ->check(at_least(0));
  cmd->callback([options] {
    const bool check = !options->task.empty() || options->user.given();
    // The check's data first: a bad task name fails before anything is written.
    EvaluateOptions eval;
    if (check) {
      eval.data = data_source(options->task, options->data, options->brown, options->user);
      (void)task_info(eval.data);  // refuses an unknown task or unreadable user files
    }
    eval.split = Split::dev;
    eval.max_length = options->seq;
    eval.batch_size = options->batch;
    eval.max_examples = options->max_examples;

    // With the check, the modules whose int8 output moves the model most: what --keep-f32 could keep.
    QuantizeDirectoryOptions quantize{options->keep_f32, options->overwrite, check ? std::size_t{5} : 0};
    const QuantizeDirectoryResult result = quantize_directory(options->model, options->out, quantize);
    nlohmann::ordered_json j;
    j["model"] = options->model;
    j["out"] = options->out;
    j["int8_modules"] = result.int8_modules.size();
    j["kept_f32"] = result.kept_f32;
    j["weight_bytes_f32"] = result.bytes_before;
    j["weight_bytes_int8"] = result.bytes_after;
    j["size_ratio"] = result.bytes_before > 0 ? static_cast<double>(result.bytes_after) / result.bytes_before : 0.0;
    if (check) {
      nlohmann::ordered_json errors = nlohmann::ordered_json::array();
      for (const Int8ModuleError& e : result.largest_errors) {
        errors.push_back({{"module", e.module}, {"relative_error", e.relative_error}});
      }
      j["largest_int8_errors"] = errors;
      std::cerr << "quantize: evaluating the f32 and the int8 model on the dev split\n";
      eval.model_dir = options->model;
      const std::vector<MetricValue> f32 = evaluate_model(eval);
      eval.model_dir = options->out;
      const std::vector<MetricValue> int8 = evaluate_model(eval);
      nlohmann::ordered_json c;
      c["task"] = options->task.empty() ? "user data" : options->task;
      c["split"] = "dev";
      c["f32"] = metrics_json(f32);
      c["int8"] = metrics_json(int8);
      nlohmann::ordered_json change;
      for (std::size_t i = 0; i < f32.size() && i < int8.size(); ++i) {
        if (f32[i].name == int8[i].name) change[f32[i].name] = int8[i].value - f32[i].value;
      }
      c["int8_minus_f32"] = change;
      j["check"] = c;
    }
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace pare::cli
