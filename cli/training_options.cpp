#include "cli/training_options.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/strict_numbers.h"
#include "runtime/distributed/world.h"
#include "runtime/error.h"

namespace pare::cli {

void add_train_flags(CLI::App* cmd, TrainFlags& f) {
  cmd->add_option("--out", f.out, "output directory (checkpoint/, best/, metrics.jsonl)")->required();
  cmd->add_option("--steps", f.steps, "optimizer steps (instead of --epochs)")->check(at_least(1));
  cmd->add_option("--epochs", f.epochs, "passes over the training data (default: 3 without --steps)")
      ->check(more_than_zero());
  cmd->add_option("--batch", f.batch, "sequences per optimizer step")->check(at_least(1))->capture_default_str();
  cmd->add_option("--accum", f.accumulation, "micro-batches per step (gradient accumulation)")
      ->check(at_least(1))
      ->capture_default_str();
  cmd->add_option("--lr", f.lr, "peak learning rate")->capture_default_str();
  cmd->add_option("--warmup", f.warmup, "warm-up steps (else --warmup-ratio of the run)")->check(at_least(0));
  cmd->add_option("--warmup-ratio", f.warmup_ratio, "warm-up as a share of the run")->capture_default_str();
  cmd->add_option("--weight-decay", f.weight_decay, "AdamW weight decay (not on biases and LayerNorm)")
      ->capture_default_str();
  cmd->add_option("--max-grad-norm", f.max_grad_norm, "gradient clipping norm (0: none)")->capture_default_str();
  cmd->add_option("--eval-every", f.eval_every, "evaluate every N steps (0: at the end only)")
      ->check(at_least(0))
      ->capture_default_str();
  cmd->add_option("--log-every", f.log_every, "log the training loss every N steps")
      ->check(at_least(1))
      ->capture_default_str();
  cmd->add_option("--save-every", f.save_every, "checkpoint every N steps (0: at the end only)")
      ->check(at_least(0))
      ->capture_default_str();
  cmd->add_option("--seed", f.seed, "seed of data order, dropout, masking and new weights")
      ->check(bit_pattern())
      ->capture_default_str();
  cmd->add_option("--metric", f.metric, "evaluation metric that selects best/");
  cmd->add_flag("--lower-is-better", f.lower_is_better, "with --metric: smaller values are better");
  cmd->add_flag("--resume", f.resume, "continue the run in --out from its checkpoint");
  add_device_flag(cmd, f.device);
  add_precision_flag(cmd, f.precision);
}

void add_precision_flag(CLI::App* cmd, std::string& precision) {
  cmd->add_option("--precision", precision,
                  "f32, or bf16: matrix products on bf16 operands with f32 accumulation; weights, gradients and "
                  "optimizer state stay f32")
      ->capture_default_str();
}

void add_device_flag(CLI::App* cmd, std::string& device) {
  cmd->add_option("--device", device,
                  "where to run: cpu, cuda, cuda:N, or guarded (host memory treated as a device: proves that a run "
                  "reads the host only for what it reports)")
      ->capture_default_str();
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
  o.device = parse_device(f.device);
  o.precision = parse_precision(f.precision);
  return o;
}

bool is_squad_task(const std::string& task) { return task == "squad" || task == "squad_v2"; }

void add_squad_flags(CLI::App* cmd, SquadFlags& f) {
  cmd->add_option("--doc-stride", f.doc_stride, "SQuAD: context tokens consecutive windows share")
      ->check(at_least(0))
      ->capture_default_str();
  cmd->add_option("--max-query-length", f.max_query_length, "SQuAD: question tokens kept")
      ->check(at_least(1))
      ->capture_default_str();
  cmd->add_option("--n-best", f.n_best, "SQuAD: start and end candidates per window")
      ->check(at_least(1))
      ->capture_default_str();
  cmd->add_option("--max-answer-length", f.max_answer_length, "SQuAD: longest answer in tokens")
      ->check(at_least(1))
      ->capture_default_str();
  cmd->add_option("--null-threshold", f.null_threshold,
                  "SQuAD v2.0: answer \"no answer\" when its score beats the best span's by more than this")
      ->capture_default_str();
}

SquadTask squad_task(const TaskFlags& f, bool need_train) {
  SquadTask t;
  t.version = f.task == "squad_v2" ? SquadVersion::v2_0 : SquadVersion::v1_1;
  const std::string suffix = t.version == SquadVersion::v2_0 ? "-v2.0.json" : "-v1.1.json";
  const bool files = !f.user.train.empty() || !f.user.dev.empty();
  PARE_CHECK(f.data.empty() == files, "--task ", f.task, ": give --data DIR (holding the official ",
             need_train ? "train" + suffix + " and " : std::string(), "dev", suffix, ") or ",
             need_train ? "--train FILE and --dev FILE" : "--dev FILE", " in SQuAD's layout");
  t.train_file = files ? f.user.train : std::filesystem::path(f.data) / ("train" + suffix);
  t.dev_file = files ? f.user.dev : std::filesystem::path(f.data) / ("dev" + suffix);
  std::vector<std::filesystem::path> needed{t.dev_file};
  if (need_train) needed.push_back(t.train_file);
  for (const auto& file : needed) {
    PARE_CHECK(!file.empty(), "--task ", f.task, ": give both --train FILE and --dev FILE");
    PARE_CHECK(std::filesystem::exists(file), "--task ", f.task, ": ", file.string(), " does not exist");
    // A named pipe is read like a file; a folder is not one.
    PARE_CHECK(!std::filesystem::is_directory(file), "--task ", f.task, ": ", file.string(),
               " is a folder; give the SQuAD JSON file");
  }
  t.windows.max_length = f.seq_option != nullptr && f.seq_option->count() > 0 ? f.seq : 384;
  t.windows.doc_stride = f.squad.doc_stride;
  t.windows.max_query_length = f.squad.max_query_length;
  t.answers.n_best = f.squad.n_best;
  t.answers.max_answer_length = f.squad.max_answer_length;
  t.answers.null_threshold = f.squad.null_threshold;
  return t;
}

void add_task_flags(CLI::App* cmd, TaskFlags& f) {
  cmd->add_option("--task", f.task,
                  "brown-genre, brown-pos, brown-order, a GLUE task (cola, sst2, mrpc, stsb, qqp, mnli, mnli-mm, "
                  "qnli, rte, wnli), squad or squad_v2; or the user's files instead (--train, --dev)");
  add_user_data_flags(cmd, f.user);
  add_squad_flags(cmd, f.squad);
  cmd->add_option("--data", f.data,
                  "GLUE: the task's directory (train.tsv, dev.tsv); SQuAD: the official files' directory");
  cmd->add_option("--brown", f.brown, "Brown corpus directory (default corpora/brown)");
  f.seq_option = cmd->add_option("--seq", f.seq,
                                 "maximum tokens per example (at most the model's max_position_embeddings; "
                                 "SQuAD: per window, default 384)")
                     ->check(at_least(3))
                     ->capture_default_str();
  cmd->add_option("--eval-batch", f.eval_batch, "sequences per evaluation batch")
      ->check(at_least(1))
      ->capture_default_str();
  cmd->add_option("--max-train", f.max_train, "use at most N training examples, evenly spread (0: all)")
      ->check(at_least(0));
  cmd->add_option("--max-eval", f.max_eval, "evaluate on at most N dev examples, evenly spread (0: all)")
      ->check(at_least(0));
  cmd->add_flag("--new-head", f.new_head,
                "replace the model's task head with a fresh one (a model fine-tuned on another task)");
}

void add_user_data_flags(CLI::App* cmd, UserDataFiles& files) {
  cmd->add_option("--train", files.train, "the user's training file: .tsv or .csv with a header row, or .jsonl");
  cmd->add_option("--dev", files.dev, "the user's dev file (same format)");
  cmd->add_option("--test", files.test, "the user's test file (same format)");
  cmd->add_option("--text-column", files.text_column, "column of the text in the user's files");
  cmd->add_option("--text-pair-column", files.text_pair_column, "column of the second text, for pair tasks");
  cmd->add_option("--label-column", files.label_column, "column of the labels (the set: the training file's values)");
  cmd->add_flag("--regression", files.regression, "the labels are numbers to regress on (pearson, spearman)");
}

TaskDataSource data_source(const std::string& task, const std::string& data, const std::string& brown,
                           const UserDataFiles& user) {
  PARE_CHECK(task.empty() == user.given(), task.empty() ? "give --task NAME, or the user's files (--train, --dev)"
                                                        : "give either --task or the user's files, not both");
  TaskDataSource source;
  source.task = task;
  source.user = user;
  source.glue_dir = data;
  if (!brown.empty()) source.brown_dir = brown;
  return source;
}

FinetuneOptions finetune_options(const std::string& model_dir, const TaskFlags& task, const TrainFlags& train) {
  FinetuneOptions o;
  o.model_dir = model_dir;
  if (is_squad_task(task.task)) {
    o.squad = squad_task(task, true);
  } else {
    o.data = data_source(task.task, task.data, task.brown, task.user);
  }
  o.max_length = task.seq;
  o.eval_batch_size = task.eval_batch;
  o.max_train_examples = task.max_train;
  o.max_eval_examples = task.max_eval;
  o.new_head = task.new_head;
  o.trainer = trainer_options(train);
  if (o.trainer.max_steps == 0 && o.trainer.epochs == 0) o.trainer.epochs = 3;
  return o;
}

nlohmann::json metrics_json(const std::vector<MetricValue>& metrics) {
  nlohmann::json j = nlohmann::json::object();
  for (const MetricValue& m : metrics) j[m.name] = m.value;
  return j;
}

nlohmann::json run_summary(const TrainResult& r) {
  if (r.stopped) {
    throw Interrupted(detail::concat("interrupted at step ", r.steps, " of ", r.total_steps, "; checkpoint saved in ",
                                     r.checkpoint_dir.string(), " (continue with --resume)"));
  }
  nlohmann::json j = {{"steps", r.steps}, {"loss", r.last_loss}, {"checkpoint", r.checkpoint_dir.string()}};
  if (r.has_best) {
    j["best"] = r.best_dir.string();
    j["best_metric"] = r.best_metric;
  }
  if (!r.evaluations.empty()) j["eval"] = metrics_json(r.evaluations.back().metrics);
  return j;
}

void report(const TrainResult& r) {
  if (writes_results()) std::cout << run_summary(r).dump(2) << "\n";
}

}  // namespace pare::cli
