#include "pipeline/stage_measurement.h"

#include <omp.h>

#include <algorithm>
#include <map>

#include "data/metrics.h"
#include "models/bert_config.h"
#include "prune/model_size.h"
#include "runtime/error.h"
#include "train/finetune.h"
#include "train/model_benchmark.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json metrics_object(const std::vector<MetricValue>& metrics) {
  json j = json::object();
  for (const MetricValue& m : metrics) j[m.name] = m.value;
  return j;
}

ModelSize size_of(const fs::path& dir, std::int64_t seq) {
  const BertConfig config = BertConfig::load(dir);
  return measure_model(config, task_from_architectures(config.architectures, (dir / "config.json").string()), seq);
}

// Windows of steps timed per thread count, alternating the counts. One window of 20 sub-millisecond
// steps moved by up to 30% on a 2-core machine (the default run's final model: 1.23 ms in the run,
// 0.92 re-measured, 0.66-0.81 alone); the best of two is steadier.
constexpr int kWindows = 2;

// Inference of the model in `dir` at `batch` sequences, timed at one thread and at the OpenMP
// thread count in force, the faster kept: a small model can run faster on one thread than on
// several, and a deployment picks the count that serves it. Latency (ms a step) at batch 1,
// sequences a second otherwise, with the threads that gave it. A GPU's is timed at its one count.
void measure_inference(const fs::path& dir, const MeasureOptions& o, std::int64_t batch, std::int64_t steps, json& out,
                       const std::string& key, const std::string& threads_key) {
  ModelBenchmarkOptions bench;
  bench.mode = BenchMode::infer;
  bench.batch = batch;
  bench.seq = static_cast<std::int64_t>(o.seq);
  bench.steps = steps;
  bench.warmup = std::max<std::int64_t>(1, steps / 5);
  bench.device = o.device;
  auto model = build_benchmark_model(BenchModelSource{dir, "", 0, 0}, BenchMode::infer);
  const int most = omp_get_max_threads();
  std::vector<int> counts{most};
  if (o.device.is_cpu() && most > 1) counts = {1, most};
  double best = 0;
  int best_threads = 0;
  for (int window = 0; window < kWindows; ++window) {
    for (int threads : counts) {
      bench.threads = threads;
      const ModelBenchmarkResult r = run_model_benchmark(*model, bench, dir.string());
      const double value = batch == 1 ? r.ms_per_step : r.seq_per_s;
      if (best_threads == 0 || (batch == 1 ? value < best : value > best)) {
        best = value;
        best_threads = r.threads;
      }
    }
  }
  out[key] = best;
  out[threads_key] = best_threads;
}

}  // namespace

bool has_labelled_split(const TaskDataSource& source, Split split) {
  if (source.user.given() && split == Split::test && source.user.test.empty()) return false;
  std::vector<TextExample> examples;
  try {
    examples = read_task_split(source, split);
  } catch (const Error&) {
    // A GLUE download without its test files: the report shows "-" for test, as for GLUE's
    // unlabelled ones. Dev and train errors still surface where those splits are read.
    if (split == Split::test && !source.user.given()) return false;
    throw;
  }
  return !examples.empty() && examples.front().has_label();
}

json measure_model_dir(const fs::path& model_dir, const fs::path& original_dir, const MeasureOptions& o) {
  json out;
  EvaluateOptions eval;
  eval.model_dir = model_dir;
  eval.data = o.data;
  eval.max_length = o.seq;
  eval.batch_size = o.eval_batch;
  eval.max_examples = o.max_eval;
  eval.device = o.device;
  eval.split = Split::dev;
  out["dev"] = metrics_object(evaluate_model(eval));
  out["test"] = nullptr;
  if (o.evaluate_test) {
    eval.split = Split::test;
    out["test"] = metrics_object(evaluate_model(eval));
  }
  const ModelSize size = size_of(model_dir, static_cast<std::int64_t>(o.seq));
  const ModelSize original = size_of(original_dir.empty() ? model_dir : original_dir, static_cast<std::int64_t>(o.seq));
  out["size"] = model_size_json(size, &original);
  measure_inference(model_dir, o, 1, o.latency_steps, out, "latency_b1_ms", "latency_b1_threads");
  measure_inference(model_dir, o, 32, o.throughput_steps, out, "throughput_b32", "throughput_b32_threads");
  return out;
}

json trivial_baseline(const TaskDataSource& source, Split split) {
  const TaskInfo task = task_info(source);
  const std::vector<TextExample> train = read_task_split(source, Split::train);
  const std::vector<TextExample> held_out = read_task_split(source, split);
  if (task.is_regression()) {
    double sum = 0;
    for (const TextExample& e : train) sum += e.score.value_or(0.0f);
    const double mean = train.empty() ? 0.0 : sum / static_cast<double>(train.size());
    std::vector<double> predictions, labels;
    for (const TextExample& e : held_out) {
      predictions.push_back(mean);
      labels.push_back(e.score.value_or(0.0f));
    }
    return metrics_object(task_metrics(task, std::span<const double>(predictions), labels));
  }
  std::map<std::int64_t, std::int64_t> counts;
  for (const TextExample& e : train) {
    if (task.is_tagging()) {
      for (std::int64_t tag : e.tags) ++counts[tag];
    } else if (e.label) {
      ++counts[*e.label];
    }
  }
  std::int64_t majority = 0, best = -1;
  for (const auto& [label, count] : counts) {
    if (count > best) best = count, majority = label;
  }
  std::vector<std::int64_t> labels;
  for (const TextExample& e : held_out) {
    if (task.is_tagging()) {
      labels.insert(labels.end(), e.tags.begin(), e.tags.end());
    } else if (e.label) {
      labels.push_back(*e.label);
    }
  }
  const std::vector<std::int64_t> predictions(labels.size(), majority);
  return metrics_object(task_metrics(task, std::span<const std::int64_t>(predictions), labels));
}

}  // namespace pare
