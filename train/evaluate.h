// Evaluation of a model on tokenized examples: the task's metrics (data/metrics.h) from its
// predictions, and masked-LM loss, perplexity and accuracy for pretraining. Both run without
// autograd and in eval mode, restoring the model's mode afterwards.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "data/batching.h"  // TokenizedExample
#include "data/metrics.h"   // MetricValue
#include "models/bert.h"
#include "train/mlm_masking.h"

namespace pare {

struct EvalOptions {
  std::size_t batch_size = 64;
  std::int64_t pad_id = 0;
};

// Predictions of every example, in example order: the arg-max class per example (classification),
// or per token (tagging: one per input id, kIgnoreLabel-free), or the score (regression).
struct TaskPredictions {
  std::vector<std::int64_t> classes;            // classification: one per example
  std::vector<double> scores;                   // regression: one per example
  std::vector<std::vector<std::int64_t>> tags;  // tagging: one per token of each example
};
TaskPredictions predict_task(const BertTaskModel& model, const TaskInfo& task,
                             std::span<const TokenizedExample> examples, const EvalOptions& options = {});

// task_metrics() of the predictions (in the task's order, the first selects checkpoints), then
// "loss", the mean task loss per example (per labelled token for tagging). Every example must be
// labelled.
std::vector<MetricValue> evaluate_task(const BertTaskModel& model, const TaskInfo& task,
                                       std::span<const TokenizedExample> examples, const EvalOptions& options = {});

// Masked-LM "loss" (mean over masked tokens), "perplexity" (exp of it) and "accuracy" of the
// masked tokens. The masks come from a generator seeded with `seed` on every call, so successive
// evaluations of a run see the same corrupted inputs and are comparable.
std::vector<MetricValue> evaluate_mlm(const BertTaskModel& model, std::span<const TokenizedExample> examples,
                                      const MlmMaskingOptions& masking, std::uint64_t seed,
                                      const EvalOptions& options = {});

}  // namespace pare
