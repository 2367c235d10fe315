// pare pretrain: masked-LM pretraining of a model directory or a fresh named size on Brown or text.
// pare finetune: a model directory fine-tuned on a Brown or GLUE task or on the user's own files.
// pare eval: a model directory's metrics on a task's split (SQuAD's in cli/squad_eval.cpp), as JSON
// on stdout.
// All three print one JSON object on stdout; progress and notes go to stderr.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/squad_eval.h"
#include "cli/strict_numbers.h"
#include "cli/training_options.h"  // TrainFlags, TaskFlags, finetune_options, report
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "train/finetune.h"
#include "train/pretrain.h"

namespace pare::cli {
namespace {

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
  cmd->add_option("--seq", args->seq, "tokens per packed sequence")->check(at_least(3))->capture_default_str();
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
    TaskFlags task;
    std::string model;
  };
  auto args = std::make_shared<Args>();
  args->train.lr = 5e-5;
  args->train.warmup_ratio = 0.1;
  CLI::App* cmd = app.add_subcommand(
      "finetune", "Fine-tune a model directory on a Brown or GLUE task, or on your own TSV, CSV or JSONL files");
  cmd->add_option("--model", args->model, "model directory (config.json, weights, tokenizer)")->required();
  add_task_flags(cmd, args->task);
  add_train_flags(cmd, args->train);
  cmd->callback([args] { report(finetune(finetune_options(args->model, args->task, args->train))); });
}

void add_eval(CLI::App& app) {
  struct Args {
    std::string model, task, data, brown, split = "dev", device = "cpu", predictions;
    std::size_t seq = 128, batch = 64, max_examples = 0;
    UserDataFiles user;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("eval", "Metrics of a model directory on a task's split, as JSON");
  cmd->add_option("--model", args->model, "fine-tuned model directory")->required();
  cmd->add_option("--task", args->task,
                  "brown-genre, brown-pos, brown-order, a GLUE task, squad or squad_v2; or the user's files (--dev, "
                  "--test)");
  add_user_data_flags(cmd, args->user);
  cmd->add_option("--data", args->data, "GLUE: the task's directory");
  cmd->add_option("--brown", args->brown, "Brown corpus directory (default corpora/brown)");
  cmd->add_option("--split", args->split, "dev or test")->capture_default_str();
  cmd->add_option("--seq", args->seq, "maximum tokens per example (at most the model's max_position_embeddings)")
      ->check(at_least(3))
      ->capture_default_str();
  cmd->add_option("--batch", args->batch, "sequences per batch")->check(at_least(1))->capture_default_str();
  cmd->add_option("--max-examples", args->max_examples, "at most N examples, evenly spread (0: all)")
      ->check(at_least(0));
  add_device_flag(cmd, args->device);
  auto squad = std::make_shared<SquadFlags>();
  add_squad_flags(cmd, *squad);
  cmd->add_option("--predictions", args->predictions,
                  "SQuAD: write every question's answer text here as JSON {id: text}, the official scorer's input");
  const CLI::Option* seq = cmd->get_option("--seq");
  cmd->callback([args, squad, seq] {
    if (is_squad_task(args->task)) {
      PARE_CHECK(args->split == "dev", "eval --task ", args->task,
                 ": SQuAD's test sets are not public; give the dev file");
      TaskFlags task;
      task.task = args->task;
      task.data = args->data;
      task.user = args->user;
      task.seq = args->seq;
      task.seq_option = seq;
      task.max_eval = args->max_examples;
      task.squad = *squad;
      const std::string json = run_squad_eval(task, args->model, args->batch, args->device, args->predictions);
      if (writes_results()) std::cout << json << "\n";
      return;
    }
    PARE_CHECK(args->predictions.empty(), "eval: --predictions is for --task squad and squad_v2");
    EvaluateOptions o;
    o.device = parse_device(args->device);
    o.model_dir = args->model;
    o.data = data_source(args->task, args->data, args->brown, args->user);
    o.split = parse_split(args->split);
    PARE_CHECK(o.split != Split::train, "eval: --split must be dev or test, got '", args->split, "'");
    o.max_length = args->seq;
    o.batch_size = args->batch;
    o.max_examples = args->max_examples;
    nlohmann::json j = {{"task", args->task.empty() ? "user data" : args->task}, {"split", split_name(o.split)}};
    j["metrics"] = metrics_json(evaluate_model(o));  // split over the ranks under mpirun
    if (writes_results()) std::cout << j.dump(2) << "\n";
  });
}

}  // namespace

void add_train_commands(CLI::App& app) {
  add_pretrain(app);
  add_finetune(app);
  add_eval(app);
}

}  // namespace pare::cli
