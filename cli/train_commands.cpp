// pare pretrain: masked-LM pretraining of a model directory or a fresh named size on Brown or text.
// pare finetune: a model directory fine-tuned on brown-genre, brown-pos or a GLUE task.
// pare eval: a model directory's metrics on a task's split, as JSON on stdout.
// All three print one JSON object on stdout; progress and notes go to stderr.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "runtime/error.h"
#include "train/finetune.h"
#include "train/pretrain.h"

namespace pare::cli {
namespace {

// Options every training command shares, as flags.
struct TrainFlags {
  std::string out;
  std::int64_t steps = 0;
  double epochs = 0;
  std::size_t batch = 32;
  std::int64_t accumulation = 1;
  double lr = 0;
  std::int64_t warmup = 0;
  double warmup_ratio = 0;
  double weight_decay = 0.01;
  double max_grad_norm = 1.0;
  std::int64_t eval_every = 0;
  std::int64_t log_every = 50;
  std::int64_t save_every = 0;
  std::uint64_t seed = 42;
  std::string metric;
  bool lower_is_better = false;
  bool resume = false;
};

void add_train_flags(CLI::App* cmd, TrainFlags& f) {
  cmd->add_option("--out", f.out, "output directory (checkpoint/, best/, metrics.jsonl)")->required();
  cmd->add_option("--steps", f.steps, "optimizer steps (instead of --epochs)");
  cmd->add_option("--epochs", f.epochs, "passes over the training data")->capture_default_str();
  cmd->add_option("--batch", f.batch, "sequences per optimizer step")->capture_default_str();
  cmd->add_option("--accum", f.accumulation, "micro-batches per step (gradient accumulation)")->capture_default_str();
  cmd->add_option("--lr", f.lr, "peak learning rate")->capture_default_str();
  cmd->add_option("--warmup", f.warmup, "warm-up steps (else --warmup-ratio of the run)");
  cmd->add_option("--warmup-ratio", f.warmup_ratio, "warm-up as a share of the run")->capture_default_str();
  cmd->add_option("--weight-decay", f.weight_decay, "AdamW weight decay (not on biases and LayerNorm)")
      ->capture_default_str();
  cmd->add_option("--max-grad-norm", f.max_grad_norm, "gradient clipping norm (0: none)")->capture_default_str();
  cmd->add_option("--eval-every", f.eval_every, "evaluate every N steps (0: at the end only)")->capture_default_str();
  cmd->add_option("--log-every", f.log_every, "log the training loss every N steps")->capture_default_str();
  cmd->add_option("--save-every", f.save_every, "checkpoint every N steps (0: at the end only)")->capture_default_str();
  cmd->add_option("--seed", f.seed, "seed of data order, dropout, masking and new weights")->capture_default_str();
  cmd->add_option("--metric", f.metric, "evaluation metric that selects best/");
  cmd->add_flag("--lower-is-better", f.lower_is_better, "with --metric: smaller values are better");
  cmd->add_flag("--resume", f.resume, "continue the run in --out from its checkpoint");
}

TrainerOptions trainer_options(const TrainFlags& f) {
  PARE_CHECK(f.steps >= 0, "--steps must not be negative, got ", f.steps);
  PARE_CHECK(f.steps == 0 || f.epochs == 0, "give --steps or --epochs, not both");
  TrainerOptions o;
  o.output_dir = f.out;
  o.max_steps = f.steps;
  o.epochs = f.epochs;
  o.batch_size = f.batch;
  o.gradient_accumulation = f.accumulation;
  o.lr = f.lr;
  o.warmup_steps = f.warmup;
  o.warmup_ratio = f.warmup_ratio;
  o.weight_decay = f.weight_decay;
  o.max_grad_norm = f.max_grad_norm;
  o.eval_every = f.eval_every;
  o.log_every = f.log_every;
  o.save_every = f.save_every;
  o.seed = f.seed;
  o.metric_for_best = f.metric;
  o.greater_is_better = !f.lower_is_better;
  o.resume = f.resume;
  return o;
}

nlohmann::json metrics_json(const std::vector<MetricValue>& metrics) {
  nlohmann::json j = nlohmann::json::object();
  for (const MetricValue& m : metrics) j[m.name] = m.value;
  return j;
}

// The run's summary on stdout; an interrupted run ends as an error that says how to continue.
void report(const TrainResult& r) {
  PARE_CHECK(!r.stopped, "interrupted at step ", r.steps, " of ", r.total_steps, "; checkpoint saved in ",
             r.checkpoint_dir.string(), " (continue with --resume)");
  nlohmann::json j = {{"steps", r.steps}, {"loss", r.last_loss}, {"checkpoint", r.checkpoint_dir.string()}};
  if (r.has_best) {
    j["best"] = r.best_dir.string();
    j["best_metric"] = r.best_metric;
  }
  if (!r.evaluations.empty()) j["eval"] = metrics_json(r.evaluations.back().metrics);
  std::cout << j.dump(2) << "\n";
}

TaskDataSource data_source(const std::string& task, const std::string& data, const std::string& brown) {
  TaskDataSource source;
  source.task = task;
  source.glue_dir = data;
  if (!brown.empty()) source.brown_dir = brown;
  return source;
}

void add_pretrain(CLI::App& app) {
  struct Args {
    TrainFlags train;
    std::string model, size, tokenizer, brown;
    std::vector<std::string> corpus{"brown"};
    std::size_t seq = 128;
    double mask_prob = 0.15;
  };
  auto args = std::make_shared<Args>();
  args->train.lr = 5e-4;
  args->train.warmup_ratio = 0.06;
  CLI::App* cmd =
      app.add_subcommand("pretrain", "Masked-LM pretraining (15% of tokens, 80/10/10) on Brown or text files");
  auto* model = cmd->add_option("--model", args->model, "model directory to continue pretraining");
  auto* size = cmd->add_option("--size", args->size, "fresh model of a named size: tiny, mini, small, medium, base");
  model->excludes(size);
  cmd->add_option("--tokenizer", args->tokenizer, "tokenizer directory or file for --size");
  cmd->add_option("--corpus", args->corpus, "'brown' or text files (one sentence per line)")->capture_default_str();
  cmd->add_option("--brown", args->brown, "Brown corpus directory (default corpora/brown)");
  cmd->add_option("--seq", args->seq, "tokens per packed sequence")->capture_default_str();
  cmd->add_option("--mask-prob", args->mask_prob, "share of tokens selected for masking")->capture_default_str();
  add_train_flags(cmd, args->train);
  cmd->callback([args] {
    PARE_CHECK(!args->model.empty() || !args->size.empty(), "pretrain: give --model DIR or --size NAME");
    PretrainOptions o;
    o.model_dir = args->model;
    o.size = args->size;
    o.tokenizer = args->tokenizer;
    const bool brown = args->corpus.size() == 1 && args->corpus[0] == "brown";
    if (!brown) o.corpus_files.assign(args->corpus.begin(), args->corpus.end());
    if (!args->brown.empty()) o.brown_dir = args->brown;
    o.max_length = args->seq;
    o.mask_probability = args->mask_prob;
    o.trainer = trainer_options(args->train);
    if (o.trainer.max_steps == 0 && o.trainer.epochs == 0) o.trainer.epochs = 1;
    report(pretrain(o));
  });
}

void add_finetune(CLI::App& app) {
  struct Args {
    TrainFlags train;
    std::string model, task, data, brown;
    std::size_t seq = 128, eval_batch = 64, max_train = 0, max_eval = 0;
  };
  auto args = std::make_shared<Args>();
  args->train.lr = 5e-5;
  args->train.warmup_ratio = 0.1;
  CLI::App* cmd =
      app.add_subcommand("finetune", "Fine-tune a model directory on brown-genre, brown-pos or a GLUE task");
  cmd->add_option("--model", args->model, "model directory (config.json, weights, tokenizer)")->required();
  cmd->add_option(
         "--task", args->task,
         "brown-genre, brown-pos, or a GLUE task (cola, sst2, mrpc, stsb, qqp, mnli, mnli-mm, qnli, rte, wnli)")
      ->required();
  cmd->add_option("--data", args->data, "GLUE: the task's directory (train.tsv, dev.tsv)");
  cmd->add_option("--brown", args->brown, "Brown corpus directory (default corpora/brown)");
  cmd->add_option("--seq", args->seq, "maximum tokens per example")->capture_default_str();
  cmd->add_option("--eval-batch", args->eval_batch, "sequences per evaluation batch")->capture_default_str();
  cmd->add_option("--max-train", args->max_train, "use at most N training examples, evenly spread (0: all)");
  cmd->add_option("--max-eval", args->max_eval, "evaluate on at most N dev examples, evenly spread (0: all)");
  add_train_flags(cmd, args->train);
  cmd->callback([args] {
    FinetuneOptions o;
    o.model_dir = args->model;
    o.data = data_source(args->task, args->data, args->brown);
    o.max_length = args->seq;
    o.eval_batch_size = args->eval_batch;
    o.max_train_examples = args->max_train;
    o.max_eval_examples = args->max_eval;
    o.trainer = trainer_options(args->train);
    if (o.trainer.max_steps == 0 && o.trainer.epochs == 0) o.trainer.epochs = 3;
    report(finetune(o));
  });
}

void add_eval(CLI::App& app) {
  struct Args {
    std::string model, task, data, brown, split = "dev";
    std::size_t seq = 128, batch = 64, max_examples = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("eval", "Metrics of a model directory on a task's split, as JSON");
  cmd->add_option("--model", args->model, "fine-tuned model directory")->required();
  cmd->add_option("--task", args->task, "brown-genre, brown-pos or a GLUE task")->required();
  cmd->add_option("--data", args->data, "GLUE: the task's directory");
  cmd->add_option("--brown", args->brown, "Brown corpus directory (default corpora/brown)");
  cmd->add_option("--split", args->split, "dev or test")->capture_default_str();
  cmd->add_option("--seq", args->seq, "maximum tokens per example")->capture_default_str();
  cmd->add_option("--batch", args->batch, "sequences per batch")->capture_default_str();
  cmd->add_option("--max-examples", args->max_examples, "at most N examples, evenly spread (0: all)");
  cmd->callback([args] {
    EvaluateOptions o;
    o.model_dir = args->model;
    o.data = data_source(args->task, args->data, args->brown);
    o.split = parse_split(args->split);
    PARE_CHECK(o.split != Split::train, "eval: --split must be dev or test, got '", args->split, "'");
    o.max_length = args->seq;
    o.batch_size = args->batch;
    o.max_examples = args->max_examples;
    nlohmann::json j = {{"task", args->task}, {"split", split_name(o.split)}};
    j["metrics"] = metrics_json(evaluate_model(o));
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace

void add_train_commands(CLI::App& app) {
  add_pretrain(app);
  add_finetune(app);
  add_eval(app);
}

}  // namespace pare::cli
