#include "train/squad_finetune.h"

#include "models/checkpoint.h"  // load_pretrained
#include "models/int8_model.h"  // check_not_int8
#include "models/tokenizers/tokenizer.h"
#include "runtime/error.h"
#include "train/output_folder.h"
#include "train/squad_evaluation.h"
#include "train/tokenizer_files.h"

namespace pare {

std::vector<TokenizedExample> squad_training_sequences(const std::vector<SquadWindow>& windows) {
  std::vector<TokenizedExample> out;
  out.reserve(windows.size());
  for (const SquadWindow& w : windows) {
    TokenizedExample e;
    e.input_ids = w.input_ids;
    e.token_type_ids = w.token_type_ids;
    e.answer_span = std::pair(w.start_position, w.end_position);
    out.push_back(std::move(e));
  }
  return out;
}

TrainResult finetune_squad(const FinetuneOptions& o, std::shared_ptr<BertTaskModel>* trained) {
  PARE_CHECK(o.squad.has_value(), "finetune_squad: no SQuAD files given");
  const SquadTask& squad = *o.squad;
  std::vector<std::filesystem::path> inputs = {o.model_dir, squad.train_file, squad.dev_file};
  inputs.insert(inputs.end(), o.trainer.inputs.begin(), o.trainer.inputs.end());
  check_output_folder(o.trainer.output_dir, inputs, true, "finetune");
  // Options and data first: a bad setting or a malformed file fails before any model work.
  check_squad_window_options(squad.windows);
  const std::vector<SquadExample> train_examples =
      evenly_spaced(read_squad_file(squad.train_file, squad.version), o.max_train_examples);
  std::vector<SquadExample> dev_examples =
      evenly_spaced(read_squad_file(squad.dev_file, squad.version), o.max_eval_examples);
  check_not_int8(BertConfig::load(o.model_dir), o.model_dir.string(), "fine-tuning");
  LoadOptions load;
  load.task = BertTask::question_answering;
  load.num_labels = 2;
  load.seed = o.trainer.seed;
  load.new_head = o.new_head;
  LoadedBert loaded = load_pretrained(o.model_dir, load);
  std::vector<std::string> missing_head;
  for (const std::string& name : loaded.report.initialised) missing_head.push_back(name);
  PARE_CHECK(!o.require_head || o.new_head || missing_head.empty(), o.model_dir.string(),
             " lacks the question-answering head's weights (", missing_head.empty() ? "" : missing_head.front(),
             ", ...); this needs a model fine-tuned on SQuAD, or --new-head to train a fresh head");
  PARE_CHECK(squad.windows.max_length <= static_cast<std::size_t>(loaded.model->config().max_position_embeddings),
             "--seq ", squad.windows.max_length, " exceeds ", o.model_dir.string(), "'s max_position_embeddings ",
             loaded.model->config().max_position_embeddings);
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(o.model_dir);
  PARE_CHECK(tokenizer->vocab_size() <= loaded.model->config().vocab_size, o.model_dir.string(), ": the tokenizer has ",
             tokenizer->vocab_size(), " pieces but the model's vocab_size is ", loaded.model->config().vocab_size);
  loaded.model->to(o.trainer.device);
  std::vector<std::shared_ptr<TrainingHook>> hooks;
  if (o.hooks) hooks = o.hooks(*loaded.model);

  std::vector<TokenizedExample> train =
      squad_training_sequences(squad_windows(*tokenizer, train_examples, squad.windows));
  std::vector<SquadWindow> dev_windows = squad_windows(*tokenizer, dev_examples, squad.windows);

  TrainerOptions trainer_options = o.trainer;
  trainer_options.caller_settings["seq"] = squad.windows.max_length;
  trainer_options.caller_settings["doc_stride"] = squad.windows.doc_stride;
  trainer_options.caller_settings["max_query_length"] = squad.windows.max_query_length;
  PARE_CHECK(!trainer_options.output_dir.empty(), "finetune: an output directory is required");
  for (const auto& file : tokenizer_files(o.model_dir)) trainer_options.model_files.push_back(file);
  if (trainer_options.metric_for_best.empty()) {
    trainer_options.metric_for_best = "f1";
    trainer_options.greater_is_better = true;
  }
  Trainer trainer(loaded.model, trainer_options);
  for (auto& hook : hooks) trainer.add_hook(std::move(hook));
  trainer.set_train_data(std::move(train), TaskKind::answer_span, tokenizer->pad_id());
  trainer.set_evaluator([dev = std::move(dev_examples), windows = std::move(dev_windows), pad = tokenizer->pad_id(),
                         version = squad.version, answers = squad.answers,
                         batch = o.eval_batch_size](const BertTaskModel& model) {
    return evaluate_squad_windows(model, pad, dev, windows, version, answers, batch).metrics;
  });
  TrainResult result = trainer.train();
  if (trained) *trained = loaded.model;
  return result;
}

}  // namespace pare
