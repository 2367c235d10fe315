#include "train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/tokenize.h"     // token_lengths
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "runtime/ops/reduce.h"  // argmax
#include "runtime/parameter_cache.h"

namespace pare {
namespace {

// Restores the model's training mode when evaluation ends, also by an exception.
class EvalMode {
 public:
  explicit EvalMode(const BertTaskModel& model)
      : model_(const_cast<BertTaskModel&>(model)), was_training_(model.is_training()) {
    model_.eval();
  }
  ~EvalMode() { model_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  BertTaskModel& model_;
  bool was_training_;
};

// Batches of example indices, longest first so similar lengths share a batch and padding is small.
std::vector<std::vector<std::size_t>> eval_batches(std::span<const TokenizedExample> examples, std::size_t batch_size) {
  PARE_CHECK(batch_size >= 1, "evaluation: batch_size must be at least 1");
  const std::vector<std::size_t> lengths = token_lengths(examples);
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t start = 0; start < order.size(); start += batch_size) {
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                         order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + batch_size)));
  }
  return batches;
}

// The batch's inputs on `device`.
BertInputs inputs_on(const Batch& batch, Device device) {
  return {batch.input_ids.to(device), batch.attention_mask.to(device), batch.token_type_ids.to(device)};
}

// Under data-parallel training each rank runs every world().size()-th batch and the ranks' results
// are summed, so every rank returns the predictions of all examples.
bool runs_batch(std::size_t batch) {
  return batch % static_cast<std::size_t>(world().size()) == static_cast<std::size_t>(world().rank());
}

// Every rank's predictions on every rank: each example was predicted by one rank, the others hold
// zeros there.
void gather_predictions(TaskPredictions& out) {
  Communicator& comm = world();
  if (comm.size() == 1) return;
  std::vector<double> flat;
  for (std::int64_t c : out.classes) flat.push_back(static_cast<double>(c));
  flat.insert(flat.end(), out.scores.begin(), out.scores.end());
  for (const std::vector<std::int64_t>& tags : out.tags) {
    for (std::int64_t t : tags) flat.push_back(static_cast<double>(t));
  }
  all_reduce(comm, flat);
  std::size_t at = 0;
  for (std::int64_t& c : out.classes) c = static_cast<std::int64_t>(flat[at++]);
  for (double& s : out.scores) s = flat[at++];
  for (std::vector<std::int64_t>& tags : out.tags) {
    for (std::int64_t& t : tags) t = static_cast<std::int64_t>(flat[at++]);
  }
}

// Predictions and, when `loss` is non-null, the loss summed over its units (examples or tokens).
TaskPredictions run_task(const BertTaskModel& model, const TaskInfo& task, std::span<const TokenizedExample> examples,
                         const EvalOptions& options, double* loss, std::int64_t* loss_units) {
  PARE_CHECK(!examples.empty(), "evaluation of '", task.name, "': no examples");
  EvalMode mode(model);
  NoGradGuard no_grad;
  const ParameterCache weights(model.parameters());
  TaskPredictions out;
  if (task.is_tagging()) {
    out.tags.resize(examples.size());
    for (std::size_t i = 0; i < examples.size(); ++i) out.tags[i].resize(examples[i].input_ids.size());
  } else if (task.is_regression()) {
    out.scores.resize(examples.size());
  } else {
    out.classes.resize(examples.size());
  }
  const Device device = model.device();
  const std::vector<std::vector<std::size_t>> batches = eval_batches(examples, options.batch_size);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    if (!runs_batch(b)) continue;
    const std::vector<std::size_t>& indices = batches[b];
    const Batch batch = collate(examples, indices, task.kind, options.pad_id);
    const Tensor labels = loss != nullptr ? batch.labels.to(device) : Tensor();
    PARE_CHECK(loss == nullptr || labels.defined(), "evaluation of '", task.name, "': the examples carry no labels");
    const BertOutputs outputs = model.forward(inputs_on(batch, device), labels);
    // What comes back to the host: a score per example for regression, a class per row or token else.
    std::int64_t units = 0;
    if (task.is_regression()) {
      const std::vector<float> scores = outputs.logits.to_vector<float>();
      for (std::size_t row = 0; row < indices.size(); ++row) out.scores[indices[row]] = scores[row];
      units = static_cast<std::int64_t>(indices.size());
    } else if (task.is_tagging()) {
      const std::vector<std::int64_t> predicted = argmax(outputs.logits).to_vector<std::int64_t>();
      const std::int64_t t = outputs.logits.size(1);
      for (std::size_t row = 0; row < indices.size(); ++row) {
        const std::size_t n = examples[indices[row]].input_ids.size();
        const auto first = predicted.begin() + static_cast<std::ptrdiff_t>(row) * t;
        out.tags[indices[row]].assign(first, first + static_cast<std::ptrdiff_t>(n));
        for (std::int64_t l : examples[indices[row]].token_labels) units += l != kIgnoreLabel;
      }
    } else {
      const std::vector<std::int64_t> predicted = argmax(outputs.logits).to_vector<std::int64_t>();
      for (std::size_t row = 0; row < indices.size(); ++row) out.classes[indices[row]] = predicted[row];
      units = static_cast<std::int64_t>(indices.size());
    }
    if (loss != nullptr) {
      *loss += outputs.loss.item() * static_cast<double>(units);
      *loss_units += units;
    }
  }
  gather_predictions(out);
  if (loss != nullptr && world().size() > 1) {
    double totals[2] = {*loss, static_cast<double>(*loss_units)};
    all_reduce(world(), totals);
    *loss = totals[0];
    *loss_units = static_cast<std::int64_t>(totals[1]);
  }
  return out;
}

}  // namespace

TaskPredictions predict_task(const BertTaskModel& model, const TaskInfo& task,
                             std::span<const TokenizedExample> examples, const EvalOptions& options) {
  return run_task(model, task, examples, options, nullptr, nullptr);
}

std::vector<MetricValue> evaluate_task(const BertTaskModel& model, const TaskInfo& task,
                                       std::span<const TokenizedExample> examples, const EvalOptions& options) {
  double loss_sum = 0.0;
  std::int64_t units = 0;
  const TaskPredictions predictions = run_task(model, task, examples, options, &loss_sum, &units);
  std::vector<MetricValue> metrics;
  if (task.is_regression()) {
    std::vector<double> labels;
    for (const TokenizedExample& e : examples) labels.push_back(static_cast<double>(*e.score));
    metrics = task_metrics(task, predictions.scores, labels);
  } else if (task.is_tagging()) {
    std::vector<std::int64_t> flat_predictions, flat_labels;
    for (std::size_t i = 0; i < examples.size(); ++i) {
      flat_predictions.insert(flat_predictions.end(), predictions.tags[i].begin(), predictions.tags[i].end());
      flat_labels.insert(flat_labels.end(), examples[i].token_labels.begin(), examples[i].token_labels.end());
    }
    metrics = task_metrics(task, flat_predictions, flat_labels);
  } else {
    std::vector<std::int64_t> labels;
    for (const TokenizedExample& e : examples) labels.push_back(*e.label);
    metrics = task_metrics(task, predictions.classes, labels);
  }
  metrics.push_back({"loss", units > 0 ? loss_sum / static_cast<double>(units) : 0.0});
  return metrics;
}

std::vector<MetricValue> evaluate_mlm(const BertTaskModel& model, std::span<const TokenizedExample> examples,
                                      const MlmMaskingOptions& masking, std::uint64_t seed,
                                      const EvalOptions& options) {
  PARE_CHECK(!examples.empty(), "masked-LM evaluation: no examples");
  EvalMode mode(model);
  NoGradGuard no_grad;
  const ParameterCache weights(model.parameters());
  Generator gen(seed);
  double loss_sum = 0.0;
  std::int64_t masked = 0;
  std::int64_t correct = 0;
  // In example order (not by length), so the masks do not depend on the batch size's grouping. Every
  // rank draws the masks of every batch, so the ranks' batches are those of one process.
  for (std::size_t start = 0; start < examples.size(); start += options.batch_size) {
    std::vector<std::size_t> indices;
    for (std::size_t i = start; i < std::min(examples.size(), start + options.batch_size); ++i) indices.push_back(i);
    const Batch batch = collate(examples, indices, TaskKind::classification, options.pad_id);
    const MlmBatch corrupted = mask_tokens_for_mlm(batch.input_ids, batch.attention_mask, masking, gen);
    const std::vector<std::int64_t> labels = corrupted.labels.to_vector<std::int64_t>();
    std::int64_t units = 0;
    for (std::int64_t l : labels) units += l != kIgnoreLabel;
    if (units == 0 || !runs_batch(start / options.batch_size)) continue;
    const Device device = model.device();
    const BertOutputs outputs = model.forward(
        {corrupted.input_ids.to(device), batch.attention_mask.to(device), batch.token_type_ids.to(device)},
        corrupted.labels.to(device));
    loss_sum += outputs.loss.item() * static_cast<double>(units);
    masked += units;
    const std::vector<std::int64_t> predicted = argmax(outputs.logits).to_vector<std::int64_t>();
    for (std::size_t p = 0; p < labels.size(); ++p) {
      if (labels[p] != kIgnoreLabel) correct += predicted[p] == labels[p];
    }
  }
  if (world().size() > 1) {
    double totals[3] = {loss_sum, static_cast<double>(masked), static_cast<double>(correct)};
    all_reduce(world(), totals);
    loss_sum = totals[0];
    masked = static_cast<std::int64_t>(totals[1]);
    correct = static_cast<std::int64_t>(totals[2]);
  }
  PARE_CHECK(masked > 0, "masked-LM evaluation: no token was masked in ", examples.size(), " examples");
  const double loss = loss_sum / static_cast<double>(masked);
  return {{"loss", loss},
          {"perplexity", std::exp(loss)},
          {"accuracy", static_cast<double>(correct) / static_cast<double>(masked)}};
}

}  // namespace pare
