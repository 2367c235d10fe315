// Evaluation metrics of GLUE and the Brown tasks, computed in double precision.
//
// Conventions for degenerate inputs (defined values, so a model that predicts one class or a
// constant score gets a number rather than NaN): Matthews correlation is 0 when any marginal is
// empty (sklearn's choice); binary F1 is 0 when there are no true positives; Pearson and Spearman
// are 0 when the predictions are constant. Constant labels are another matter, a fault of the data
// rather than of a model: no prediction correlates with them, so Pearson and Spearman are NaN
// (undefined; metrics.jsonl writes null and checkpoint selection passes over it). Empty inputs and
// length mismatches throw pare::Error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "data/example.h"

namespace pare {

double accuracy(std::span<const std::int64_t> predictions, std::span<const std::int64_t> labels);
// F1 of class 1; every value must be 0 or 1.
double f1_binary(std::span<const std::int64_t> predictions, std::span<const std::int64_t> labels);
// Matthews correlation for any number of classes (Gorodkin's R_K; the usual formula for two).
double matthews_correlation(std::span<const std::int64_t> predictions, std::span<const std::int64_t> labels);
// x: the predictions, y: the labels (NaN when y is constant, 0 when only x is).
double pearson(std::span<const double> x, std::span<const double> y);
// Pearson correlation of the ranks; tied values share the average of their ranks.
double spearman(std::span<const double> x, std::span<const double> y);

struct MetricValue {
  std::string name;
  double value;
};

// The task's metrics (task.metric_names, in that order: "accuracy", "f1", "mcc") for class
// predictions. For tagging, positions whose label is kIgnoreLabel are left out.
std::vector<MetricValue> task_metrics(const TaskInfo& task, std::span<const std::int64_t> predictions,
                                      std::span<const std::int64_t> labels);
// The task's metrics ("pearson", "spearman") for regression scores.
std::vector<MetricValue> task_metrics(const TaskInfo& task, std::span<const double> predictions,
                                      std::span<const double> labels);

}  // namespace pare
