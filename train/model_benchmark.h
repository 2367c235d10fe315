// Model benchmarks: times inference (a no-grad forward of BertModel) or training steps (forward,
// loss, backward, AdamW) of a BERT model on random inputs and reports throughput, step times and
// peak memory, for `pare bench` and for reports.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/bert.h"
#include "runtime/kernel_profile.h"
#include "runtime/precision.h"

namespace pare {

enum class BenchMode { infer, train };
// "infer" or "train"; throws pare::Error for anything else.
BenchMode bench_mode_from_name(const std::string& name);
std::string bench_mode_name(BenchMode mode);

// More OpenMP threads than any machine has cores only slow a run; libgomp crashes creating about
// 10^5 of them.
inline constexpr int kMaxBenchThreads = 4096;

struct ModelBenchmarkOptions {
  BenchMode mode = BenchMode::infer;
  std::int64_t batch = 8;
  std::int64_t seq = 128;
  std::int64_t steps = 10;  // timed steps
  std::int64_t warmup = 2;  // untimed steps first (buffer cache, optimizer state, page faults)
  int threads = 0;          // OpenMP threads for the run; 0 keeps the current setting
  std::uint64_t seed = 0;   // input ids, labels and MLM masking
  double learning_rate = 1e-4;
  Device device = Device::cpu();         // the model and the batch move there
  Precision precision = Precision::f32;  // of the matrix products (runtime/precision.h)
  // Record each kernel's time during the timed steps (runtime/kernel_profile.h). On a device that runs
  // behind the host each kernel is then waited for, so the step itself is slower.
  bool profile = false;
};

// Throws pare::Error naming the option at fault (batch, seq, steps, warmup, threads).
void validate(const ModelBenchmarkOptions& options);

// Where the model comes from: a HF model directory, or a named size (models/bert_sizes.h) with a
// vocabulary size, freshly initialised.
struct BenchModelSource {
  std::filesystem::path model_dir;
  std::string size;
  std::int64_t vocab_size = 30522;
  std::int64_t layers = 0;  // a named size with this many encoder layers instead of its own; 0 keeps them
};

// The model a benchmark of `mode` runs. Inference uses the encoder alone (BertModel); training
// uses a head with its loss: `task` when given (a model directory loads its weights into that
// head, initialising what the checkpoint lacks), else the directory's own head, else sequence
// classification.
std::shared_ptr<BertTaskModel> build_benchmark_model(const BenchModelSource& source, BenchMode mode,
                                                     std::optional<BertTask> task = std::nullopt,
                                                     std::uint64_t seed = 0);

struct ModelBenchmarkResult {
  ModelBenchmarkOptions options;
  std::string model;         // the source as given: a directory or a size name
  std::string architecture;  // e.g. "BertModel", "BertForMaskedLM"
  std::int64_t num_layers = 0;
  std::int64_t hidden_size = 0;
  std::int64_t vocab_size = 0;
  std::int64_t parameters = 0;  // elements of the benchmarked model's parameters, each tensor once
  int threads = 0;              // OpenMP threads the run used
  bool int8 = false;            // an int8 model (config.json "quantization"): its products in int8
  std::string device = "cpu";
  std::vector<double> step_ms;  // each timed step, in order
  double ms_per_step = 0;       // median of step_ms
  double ms_min = 0, ms_p90 = 0, ms_max = 0, ms_mean = 0;
  double seq_per_s = 0;                // batch * 1000 / ms_per_step
  double tokens_per_s = 0;             // seq_per_s * seq
  std::size_t start_memory_bytes = 0;  // tensor memory of the device before the timed steps (weights, optimizer state)
  std::size_t peak_memory_bytes = 0;   // peak tensor memory of the device during the timed steps
  std::size_t max_rss_bytes = 0;       // the process's peak resident set (getrusage), whole lifetime
  // Copies between host and device per timed step (0 on the CPU): a training step reads its loss.
  double to_host_per_step = 0, to_device_per_step = 0;
  double final_loss = 0;  // the last training step's loss (train mode), a sanity check
  // With options.profile: each kernel's calls and time over the timed steps, the most time first.
  std::vector<KernelTime> kernel_totals;
};

// Runs options.warmup untimed then options.steps timed steps of `model` (infer: model.bert() in eval
// mode under NoGradGuard; train: the model in train mode with dropout, its loss on random labels,
// backward and an AdamW step). Throws when seq exceeds the model's max_position_embeddings, when
// training a model without a loss, or when a training loss is not finite.
ModelBenchmarkResult run_model_benchmark(BertTaskModel& model, const ModelBenchmarkOptions& options,
                                         const std::string& model_name);

// Keys in a fixed, readable order: what was run, then speed, then memory.
nlohmann::ordered_json to_json(const ModelBenchmarkResult& result);

}  // namespace pare
