// pare bench: times inference or training steps of a model directory or a named BERT size on
// random inputs and prints one JSON object (seq_per_s, ms_per_step, peak memory, ...).
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "cli/training_options.h"  // add_device_flag
#include "kernels/blas_info.h"     // blas_description
#include "models/bert_config.h"    // kMaxBertVocabulary, kMaxBertLayers
#include "models/int8_model.h"     // quantize_model
#include "runtime/error.h"
#include "train/model_benchmark.h"

namespace pare::cli {
namespace {

std::optional<BertTask> head_task(const std::string& head) {
  if (head.empty()) return std::nullopt;
  if (head == "seqcls") return BertTask::sequence_classification;
  if (head == "mlm") return BertTask::masked_lm;
  throw Error("bench: --head must be seqcls or mlm, got \"" + head + "\"");
}

}  // namespace

void add_bench_command(CLI::App& app) {
  struct Options {
    std::string model, size, mode = "infer", head, device = "cpu", precision = "f32";
    std::int64_t vocab = 30522, layers = 0;
    ModelBenchmarkOptions bench;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("bench", "Time inference or training steps of a model on random inputs; prints JSON");
  auto* model = cmd->add_option("--model", options->model, "HF model directory (config.json + weights)");
  auto* size = cmd->add_option("--size", options->size, "a named size instead: tiny, mini, small, medium or base");
  model->excludes(size);
  size->excludes(model);
  cmd->add_option("--mode", options->mode,
                  "infer (no-grad forward of the encoder) or train (forward, loss, backward, AdamW)")
      ->capture_default_str();
  cmd->add_option("--head", options->head,
                  "training loss: seqcls (sequence classification) or mlm (masked LM); default: a model directory's "
                  "own head, else seqcls");
  cmd->add_option("--batch", options->bench.batch, "sequences per step")->check(at_least(1))->capture_default_str();
  cmd->add_option("--seq", options->bench.seq, "tokens per sequence")->check(at_least(1))->capture_default_str();
  cmd->add_option("--steps", options->bench.steps, "timed steps")->check(at_least(1))->capture_default_str();
  cmd->add_option("--warmup", options->bench.warmup, "untimed steps first")->check(at_least(0))->capture_default_str();
  cmd->add_option("--vocab", options->vocab, "vocabulary size of a named size")
      ->check(between(1, kMaxBertVocabulary))
      ->capture_default_str();
  cmd->add_option(
         "--layers", options->layers,
         "encoder layers of a named size instead of its own (--layers 1: one encoder layer and the embeddings)")
      ->check(between(1, kMaxBertLayers));
  cmd->add_flag("--profile", options->bench.profile,
                "each kernel's calls, ms and share of a step (\"kernels\"); a GPU waits for each kernel then");
  cmd->add_option("--threads", options->bench.threads, "OpenMP threads (0: as the environment sets)")
      ->check(between(0, kMaxBenchThreads))
      ->capture_default_str();
  cmd->add_option("--seed", options->bench.seed, "seed of the inputs and of the model's initialisation")
      ->check(bit_pattern())
      ->capture_default_str();
  add_device_flag(cmd, options->device);
  cmd->add_option("--precision", options->precision,
                  "f32; bf16: matrix products on bf16 operands with f32 accumulation; int8: the model quantized at "
                  "load as `pare quantize` would (inference only)")
      ->capture_default_str();
  cmd->callback([options] {
    options->bench.device = parse_device(options->device);
    const bool quantize = options->precision == "int8";
    PARE_CHECK(quantize || options->precision == "f32" || options->precision == "bf16",
               "bench: --precision must be f32, bf16 or int8, got \"", options->precision, "\"");
    options->bench.precision = parse_precision(quantize ? "f32" : options->precision);
    PARE_CHECK(!options->model.empty() || !options->size.empty(), "bench: give --model DIR or --size NAME");
    options->bench.mode = bench_mode_from_name(options->mode);
    const std::optional<BertTask> task = head_task(options->head);
    validate(options->bench);
    BenchModelSource source{options->model, options->size, options->vocab, options->layers};
    auto built = build_benchmark_model(source, options->bench.mode, task, options->bench.seed);
    if (quantize) {
      PARE_CHECK(options->bench.mode == BenchMode::infer, "bench: --precision int8 times inference (--mode infer); ",
                 "int8 models do not train");
      built = quantize_model(*built);
    }
    const ModelBenchmarkResult result =
        run_model_benchmark(*built, options->bench, options->model.empty() ? options->size : options->model);
    nlohmann::ordered_json json = to_json(result);
    json["blas"] = kernels::cpu::blas_description();
    std::cout << json.dump(2) << "\n";
  });
}

}  // namespace pare::cli
