#include "cli/squad_eval.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/strict_numbers.h"  // at_least
#include "runtime/device.h"      // parse_device
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "train/squad_evaluation.h"
#include "train/squad_finetune.h"

namespace pare::cli {

bool is_squad_task(const std::string& task) { return task == "squad" || task == "squad_v2"; }

void add_squad_eval_flags(CLI::App* cmd, SquadEvalFlags& f, bool predictions) {
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
  if (predictions) {
    cmd->add_option("--predictions", f.predictions,
                    "SQuAD: write every question's answer text here as JSON {id: text}, the official scorer's input");
  }
}

namespace {

// The official file name of `split` ("train" or "dev") for the task's version.
std::filesystem::path official_file(const std::string& data, SquadVersion version, const char* split) {
  return std::filesystem::path(data) /
         (std::string(split) + (version == SquadVersion::v2_0 ? "-v2.0.json" : "-v1.1.json"));
}

}  // namespace

void run_squad_finetune(const SquadEvalFlags& f, const std::string& model, const TaskFlags& task, bool seq_given,
                        const TrainFlags& train) {
  SquadFinetuneOptions o;
  o.version = task.task == "squad_v2" ? SquadVersion::v2_0 : SquadVersion::v1_1;
  const bool files = !task.user.train.empty() || !task.user.dev.empty();
  PARE_CHECK(task.data.empty() == files, "finetune --task ", task.task,
             ": give --data DIR (holding the official train and dev files) or --train FILE and --dev FILE");
  o.train_file = files ? task.user.train : official_file(task.data, o.version, "train");
  o.dev_file = files ? task.user.dev : official_file(task.data, o.version, "dev");
  for (const auto& file : {o.train_file, o.dev_file}) {
    PARE_CHECK(!file.empty(), "finetune --task ", task.task, ": give both --train FILE and --dev FILE");
    PARE_CHECK(std::filesystem::is_regular_file(file), "finetune --task ", task.task, ": ", file.string(),
               " does not exist");
  }
  o.model_dir = model;
  o.windows.max_length = seq_given ? task.seq : 384;
  o.windows.doc_stride = f.doc_stride;
  o.windows.max_query_length = f.max_query_length;
  o.answers.n_best = f.n_best;
  o.answers.max_answer_length = f.max_answer_length;
  o.answers.null_threshold = f.null_threshold;
  o.eval_batch_size = task.eval_batch;
  o.max_train_examples = task.max_train;
  o.max_eval_examples = task.max_eval;
  o.new_head = task.new_head;
  o.trainer = trainer_options(train);
  if (o.trainer.max_steps == 0 && o.trainer.epochs == 0) o.trainer.epochs = 2;  // run_qa's usual
  report(finetune_squad(o));
}

std::string run_squad_eval(const SquadEvalFlags& f, const std::string& task, const std::string& model,
                           const std::string& data, const std::string& dev, std::size_t seq, bool seq_given,
                           std::size_t batch, std::size_t max_examples, const std::string& device) {
  SquadEvaluateOptions o;
  o.version = task == "squad_v2" ? SquadVersion::v2_0 : SquadVersion::v1_1;
  PARE_CHECK(data.empty() != dev.empty(), "eval --task ", task, ": give --data DIR (holding ",
             official_file("", o.version, "dev").string(), ") or --dev FILE (a file in SQuAD's layout)");
  o.file = dev.empty() ? official_file(data, o.version, "dev") : std::filesystem::path(dev);
  PARE_CHECK(std::filesystem::is_regular_file(o.file), "eval --task ", task, ": ", o.file.string(), " does not exist");
  o.model_dir = model;
  o.windows.max_length = seq_given ? seq : 384;  // SQuAD's usual window
  o.windows.doc_stride = f.doc_stride;
  o.windows.max_query_length = f.max_query_length;
  o.answers.n_best = f.n_best;
  o.answers.max_answer_length = f.max_answer_length;
  o.answers.null_threshold = f.null_threshold;
  o.batch_size = batch;
  o.max_examples = max_examples;
  o.device = parse_device(device);
  const SquadEvaluation result = evaluate_squad(o);
  if (!f.predictions.empty()) {
    nlohmann::ordered_json answers = nlohmann::ordered_json::object();
    for (const auto& [id, text] : result.predictions) answers[id] = text;
    write_file_atomically(f.predictions, answers.dump(2) + "\n");
  }
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
  for (const MetricValue& m : result.metrics) metrics[m.name] = m.value;
  const nlohmann::ordered_json out = {
      {"task", task},
      {"split", "dev"},
      {"metrics", metrics},
      {"questions", result.predictions.size()},
      {"windows", result.windows},
      {"seconds", {{"model", result.model_seconds}, {"windows_and_answers", result.bookkeeping_seconds}}}};
  return out.dump(2);
}

}  // namespace pare::cli
