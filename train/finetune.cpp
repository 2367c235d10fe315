#include "train/finetune.h"

#include "data/tokenize.h"
#include "models/checkpoint.h"            // load_pretrained
#include "models/int8_model.h"            // check_not_int8
#include "models/tokenizers/tokenizer.h"  // load_tokenizer
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "train/evaluate.h"
#include "train/output_folder.h"
#include "train/squad_finetune.h"
#include "train/tokenizer_files.h"

namespace pare {
namespace {

constexpr const char* kLabelsFile = "labels.txt";

BertTask head_for(const TaskInfo& task) {
  return task.is_tagging() ? BertTask::token_classification : BertTask::sequence_classification;
}

LoadOptions load_options_for(const TaskInfo& task, std::uint64_t seed) {
  LoadOptions o;
  o.task = head_for(task);
  o.num_labels = task.num_labels();
  o.label_names = task.label_names;
  o.problem_type = task.is_regression() ? "regression" : "single_label_classification";
  o.seed = seed;
  return o;
}

// The model's vocabulary and positions must hold what the tokenizer produces.
void check_fits(const BertTaskModel& model, const Tokenizer& tokenizer, std::size_t max_length,
                const std::filesystem::path& dir) {
  const BertConfig& c = model.config();
  PARE_CHECK(tokenizer.vocab_size() <= c.vocab_size, dir.string(), ": the tokenizer has ", tokenizer.vocab_size(),
             " tokens but the model's vocab_size is ", c.vocab_size);
  PARE_CHECK(max_length >= 3 && max_length <= static_cast<std::size_t>(c.max_position_embeddings), "max_length ",
             max_length, " must lie in [3, ", c.max_position_embeddings, "] (the model's max_position_embeddings)");
}

std::vector<TextExample> read_split(const TaskInfo& task, const TaskDataSource& source, Split split,
                                    std::size_t max_examples) {
  std::vector<TextExample> examples = evenly_spaced(read_task_split(source, split), max_examples);
  PARE_CHECK(!examples.empty(), "task '", task.name, "' has no ", split_name(split), " examples");
  return examples;
}

std::vector<TokenizedExample> tokenized(const Tokenizer& tokenizer, const TaskInfo& task,
                                        const std::vector<TextExample>& examples, std::size_t max_length) {
  return tokenize_examples(tokenizer, task, examples, {max_length, Truncation::longest_first});
}

}  // namespace

TrainResult finetune(const FinetuneOptions& options, std::shared_ptr<BertTaskModel>* trained) {
  if (options.squad) return finetune_squad(options, trained);
  std::vector<std::filesystem::path> inputs = options.trainer.inputs;
  for (const auto& path : {options.model_dir, options.data.user.train, options.data.user.dev, options.data.user.test,
                           options.data.glue_dir}) {
    inputs.push_back(path);
  }
  if (is_brown_task(options.data.task)) inputs.push_back(options.data.brown_dir);
  check_output_folder(options.trainer.output_dir, inputs, true, "finetune");
  const TaskInfo task = task_info(options.data);
  // The data first: a missing directory or a malformed file fails before any model work.
  const std::vector<TextExample> train_text = read_split(task, options.data, Split::train, options.max_train_examples);
  const std::vector<TextExample> dev_text = read_split(task, options.data, Split::dev, options.max_eval_examples);
  const BertConfig stored = BertConfig::load(options.model_dir);
  check_not_int8(stored, options.model_dir.string(), "fine-tuning, pruning or distilling");
  if (!stored.architectures.empty() && !options.new_head) {
    const BertTask stored_task =
        task_from_architectures(stored.architectures, (options.model_dir / "config.json").string());
    const bool has_classifier =
        stored_task == BertTask::sequence_classification || stored_task == BertTask::token_classification;
    PARE_CHECK(!has_classifier || stored.num_labels() == task.num_labels(), options.model_dir.string(), " has a ",
               architecture_name(stored_task), " head with ", stored.num_labels(), " labels but task '", task.name,
               "' needs ", task.num_labels(), "; --new-head replaces it with a fresh head");
  }
  LoadOptions load_options = load_options_for(task, options.trainer.seed);
  load_options.new_head = options.new_head;
  LoadedBert loaded = load_pretrained(options.model_dir, load_options);
  std::vector<std::string> missing_head;
  for (const std::string& name : loaded.report.initialised) {
    if (name.find("pooler.") == std::string::npos) missing_head.push_back(name);
  }
  PARE_CHECK(!options.require_head || options.new_head || missing_head.empty(), options.model_dir.string(),
             " lacks the task head's weights (", missing_head.size(), ": ", missing_head.front(),
             ", ...); this needs a model fine-tuned on the task, or --new-head to train a fresh head");
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(options.model_dir);
  check_fits(*loaded.model, *tokenizer, options.max_length, options.model_dir);
  // Hooks make their tensors where the model lives.
  loaded.model->to(options.trainer.device);
  // Before anything is written: a hook that does not fit the model fails with the output untouched.
  std::vector<std::shared_ptr<TrainingHook>> hooks;
  if (options.hooks) hooks = options.hooks(*loaded.model);

  std::vector<TokenizedExample> train = tokenized(*tokenizer, task, train_text, options.max_length);
  std::vector<TokenizedExample> dev = tokenized(*tokenizer, task, dev_text, options.max_length);

  TrainerOptions trainer_options = options.trainer;
  trainer_options.caller_settings["seq"] = options.max_length;
  PARE_CHECK(!trainer_options.output_dir.empty(), "finetune: an output directory is required");
  const std::filesystem::path labels = trainer_options.output_dir / kLabelsFile;
  if (!task.is_regression()) {
    // Rank 0 writes a data-parallel run's output (train/trainer.h).
    if (writes_results()) {
      std::filesystem::create_directories(trainer_options.output_dir);
      save_label_names(task, labels);
    }
    trainer_options.model_files.push_back(labels);
  }
  for (const auto& file : tokenizer_files(options.model_dir)) trainer_options.model_files.push_back(file);
  if (trainer_options.metric_for_best.empty()) {
    trainer_options.metric_for_best = task.metric_names.front();
    trainer_options.greater_is_better = true;
  }

  Trainer trainer(loaded.model, trainer_options);
  for (auto& hook : hooks) trainer.add_hook(std::move(hook));
  trainer.set_train_data(std::move(train), task.kind, tokenizer->pad_id());
  const EvalOptions eval_options{options.eval_batch_size, tokenizer->pad_id()};
  trainer.set_evaluator([task, dev = std::move(dev), eval_options](const BertTaskModel& model) {
    return evaluate_task(model, task, dev, eval_options);
  });
  TrainResult result = trainer.train();
  if (trained) *trained = loaded.model;
  return result;
}

std::vector<MetricValue> evaluate_model(const EvaluateOptions& options) {
  TaskDataSource data = options.data;
  const std::filesystem::path labels = options.model_dir / kLabelsFile;
  // The user's files without a training file: the label set is the one the model was trained on.
  if (data.user.given() && data.user.train.empty() && std::filesystem::exists(labels))
    data.user_labels = load_label_names(labels);
  const TaskInfo task = task_info(data);
  const std::vector<TextExample> text = read_split(task, data, options.split, options.max_examples);
  LoadedBert loaded = load_pretrained(options.model_dir);
  PARE_CHECK(loaded.report.initialised.empty(), options.model_dir.string(), ": ", loaded.report.summary(),
             "\nan evaluation of freshly initialised weights would score noise; fine-tune the model first");
  loaded.model->to(options.device);
  const BertTaskModel& model = *loaded.model;
  PARE_CHECK(model.task() == head_for(task), options.model_dir.string(), " is a ", architecture_name(model.task()),
             "; task '", task.name, "' needs a ", architecture_name(head_for(task)));
  PARE_CHECK(model.config().num_labels() == task.num_labels(), options.model_dir.string(), " has ",
             model.config().num_labels(), " labels; task '", task.name, "' has ", task.num_labels());
  if (std::filesystem::exists(labels)) {
    PARE_CHECK(load_label_names(labels) == task.label_names, labels.string(), " does not list the labels of task '",
               task.name, "'");
  }
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(options.model_dir);
  check_fits(model, *tokenizer, options.max_length, options.model_dir);
  const std::vector<TokenizedExample> examples = tokenized(*tokenizer, task, text, options.max_length);
  for (const TokenizedExample& e : examples) {
    PARE_CHECK(e.label || e.score || !e.token_labels.empty(), "the ", split_name(options.split), " split of task '",
               task.name, "' has no labels to evaluate against");
  }
  return evaluate_task(model, task, examples, {options.batch_size, tokenizer->pad_id()});
}

}  // namespace pare
