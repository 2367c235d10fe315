// `pare eval` on SQuAD: a question-answering model directory on a SQuAD v1.1 or v2.0 file, scored as
// the official scripts score it (data/squad_metrics.h), with every question's answer text kept for
// the scripts themselves (pare eval --predictions). Each question's context is cut into windows
// (data/squad.h), the model runs on batches of windows, and the windows' start and end logits become
// one answer per question (data/squad_answers.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "data/metrics.h"  // MetricValue
#include "data/squad.h"
#include "data/squad_answers.h"
#include "models/bert.h"
#include "runtime/device.h"

namespace pare {

struct SquadEvaluateOptions {
  std::filesystem::path model_dir;  // a BertForQuestionAnswering directory with its tokenizer
  std::filesystem::path file;       // dev-v1.1.json, dev-v2.0.json or a file in their layout
  SquadVersion version = SquadVersion::v1_1;
  SquadWindowOptions windows;
  SquadAnswerOptions answers;
  std::size_t batch_size = 32;
  std::size_t max_examples = 0;  // at most this many questions, evenly spread (0: all)
  Device device = Device::cpu();
};

struct SquadEvaluation {
  // v1.1: exact_match, f1 (percent). v2.0 also HasAns_/NoAns_ exact and f1, best_exact, best_f1 and
  // their thresholds (the no-answer score above which "no answer" is best on this file).
  std::vector<MetricValue> metrics;
  std::vector<std::pair<std::string, std::string>> predictions;  // id and answer text, in file order
  std::size_t windows = 0;
  double model_seconds = 0, bookkeeping_seconds = 0;  // the forward passes; windows and answer search
};

SquadEvaluation evaluate_squad(const SquadEvaluateOptions& options);

// The same on a loaded model in eval mode (on its device; the trainer calls its evaluator so) and
// the windows of `examples`: what fine-tuning evaluates on dev after each evaluation interval.
SquadEvaluation evaluate_squad_windows(const BertTaskModel& model, std::int64_t pad_id,
                                       const std::vector<SquadExample>& examples,
                                       const std::vector<SquadWindow>& windows, SquadVersion version,
                                       const SquadAnswerOptions& answers, std::size_t batch_size);

}  // namespace pare
