#include "cli/squad_eval.h"

#include <nlohmann/json.hpp>

#include "runtime/device.h"  // parse_device
#include "runtime/io/atomic_file.h"
#include "train/squad_evaluation.h"

namespace pare::cli {

std::string run_squad_eval(const TaskFlags& task, const std::string& model, std::size_t batch,
                           const std::string& device, const std::string& predictions) {
  const SquadTask squad = squad_task(task, false);
  SquadEvaluateOptions o;
  o.model_dir = model;
  o.file = squad.dev_file;
  o.version = squad.version;
  o.windows = squad.windows;
  o.answers = squad.answers;
  o.batch_size = batch;
  o.max_examples = task.max_eval;
  o.device = parse_device(device);
  const SquadEvaluation result = evaluate_squad(o);
  if (!predictions.empty()) {
    nlohmann::ordered_json answers = nlohmann::ordered_json::object();
    for (const auto& [id, text] : result.predictions) answers[id] = text;
    write_file_atomically(predictions, answers.dump(2) + "\n");
  }
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
  for (const MetricValue& m : result.metrics) metrics[m.name] = m.value;
  const nlohmann::ordered_json out = {
      {"task", task.task},
      {"split", "dev"},
      {"metrics", metrics},
      {"questions", result.predictions.size()},
      {"windows", result.windows},
      {"seconds", {{"model", result.model_seconds}, {"windows_and_answers", result.bookkeeping_seconds}}}};
  return out.dump(2);
}

}  // namespace pare::cli
