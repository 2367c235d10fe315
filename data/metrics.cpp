#include "data/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "runtime/error.h"

namespace pare {
namespace {

template <typename T>
void check_pair(std::span<const T> a, std::span<const T> b, const char* metric) {
  PARE_CHECK(a.size() == b.size(), metric, ": ", a.size(), " predictions but ", b.size(), " labels");
  PARE_CHECK(!a.empty(), metric, ": no examples");
}

// Ranks 1..n; a run of equal values gets the mean of the ranks it spans.
std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    const double rank = 0.5 * static_cast<double>(start + 1 + end);  // mean of start+1 .. end
    for (std::size_t i = start; i < end; ++i) ranks[order[i]] = rank;
    start = end;
  }
  return ranks;
}

}  // namespace

double accuracy(std::span<const std::int64_t> predictions, std::span<const std::int64_t> labels) {
  check_pair(predictions, labels, "accuracy");
  std::size_t correct = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) correct += predictions[i] == labels[i];
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

double f1_binary(std::span<const std::int64_t> predictions, std::span<const std::int64_t> labels) {
  check_pair(predictions, labels, "f1");
  double tp = 0, fp = 0, fn = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    PARE_CHECK((predictions[i] == 0 || predictions[i] == 1) && (labels[i] == 0 || labels[i] == 1),
               "f1: binary F1 needs classes 0 and 1, got prediction ", predictions[i], " and label ", labels[i],
               " at index ", i);
    tp += predictions[i] == 1 && labels[i] == 1;
    fp += predictions[i] == 1 && labels[i] == 0;
    fn += predictions[i] == 0 && labels[i] == 1;
  }
  return tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn);
}

double matthews_correlation(std::span<const std::int64_t> predictions, std::span<const std::int64_t> labels) {
  check_pair(predictions, labels, "mcc");
  // R_K = (c s - sum_k p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)), with c the correct
  // count, s the sample count, p_k and t_k the predicted and true counts of class k.
  std::map<std::int64_t, double> predicted, truth;
  double correct = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    predicted[predictions[i]] += 1;
    truth[labels[i]] += 1;
    correct += predictions[i] == labels[i];
  }
  const double s = static_cast<double>(labels.size());
  double pt = 0, pp = 0, tt = 0;
  for (const auto& [k, p] : predicted) {
    pp += p * p;
    const auto it = truth.find(k);
    if (it != truth.end()) pt += p * it->second;
  }
  for (const auto& [k, t] : truth) tt += t * t;
  const double denominator = (s * s - pp) * (s * s - tt);
  return denominator == 0 ? 0.0 : (correct * s - pt) / std::sqrt(denominator);
}

double pearson(std::span<const double> x, std::span<const double> y) {
  check_pair(x, y, "pearson");
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    PARE_CHECK(std::isfinite(x[i]) && std::isfinite(y[i]), "pearson: non-finite value at index ", i);
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (syy == 0) return std::numeric_limits<double>::quiet_NaN();
  return sxx == 0 ? 0.0 : sxy / std::sqrt(sxx * syy);
}

double spearman(std::span<const double> x, std::span<const double> y) {
  check_pair(x, y, "spearman");
  for (std::size_t i = 0; i < x.size(); ++i)
    PARE_CHECK(std::isfinite(x[i]) && std::isfinite(y[i]), "spearman: non-finite value at index ", i);
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  return pearson(rx, ry);
}

std::vector<MetricValue> task_metrics(const TaskInfo& task, std::span<const std::int64_t> predictions,
                                      std::span<const std::int64_t> labels) {
  PARE_CHECK(!task.is_regression(), task.name, ": a regression task needs real-valued predictions");
  std::vector<std::int64_t> kept_predictions, kept_labels;
  if (task.is_tagging()) {
    check_pair(predictions, labels, task.name.c_str());
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == kIgnoreLabel) continue;
      kept_predictions.push_back(predictions[i]);
      kept_labels.push_back(labels[i]);
    }
    predictions = kept_predictions;
    labels = kept_labels;
  }
  std::vector<MetricValue> values;
  for (const std::string& name : task.metric_names) {
    if (name == "accuracy")
      values.push_back({name, accuracy(predictions, labels)});
    else if (name == "f1")
      values.push_back({name, f1_binary(predictions, labels)});
    else if (name == "mcc")
      values.push_back({name, matthews_correlation(predictions, labels)});
    else
      throw Error(task.name + ": metric '" + name + "' does not apply to class predictions");
  }
  return values;
}

std::vector<MetricValue> task_metrics(const TaskInfo& task, std::span<const double> predictions,
                                      std::span<const double> labels) {
  PARE_CHECK(task.is_regression(), task.name, ": class tasks need class predictions");
  std::vector<MetricValue> values;
  for (const std::string& name : task.metric_names) {
    if (name == "pearson")
      values.push_back({name, pearson(predictions, labels)});
    else if (name == "spearman")
      values.push_back({name, spearman(predictions, labels)});
    else
      throw Error(task.name + ": metric '" + name + "' does not apply to regression");
  }
  return values;
}

}  // namespace pare
