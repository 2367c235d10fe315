#include "train/model_benchmark.h"

#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "models/bert_heads.h"
#include "models/bert_sizes.h"  // named_bert_config
#include "models/checkpoint.h"  // load_pretrained
#include "models/int8_model.h"  // check_not_int8
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/error.h"
#include "runtime/host_memory.h"  // host_memory_bytes, format_bytes
#include "runtime/optim/adamw.h"
#include "runtime/parameter_cache.h"
#include "runtime/storage.h"  // memory_stats, reset_peak_memory
#include "runtime/thread_count.h"
#include "runtime/transfer.h"  // transfer_stats, reset_transfer_stats
#include "train/mlm_masking.h"

namespace pare {
namespace {

Tensor random_ints(const Shape& shape, std::int64_t low, std::int64_t high, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::int64_t> dist(low, high - 1);
  std::vector<std::int64_t> values(static_cast<std::size_t>(shape_numel(shape)));
  for (auto& v : values) v = dist(rng);
  return Tensor::from_vector(values, shape);
}

// Each parameter tensor counted once, even when a module shares it (a tied decoder).
std::int64_t count_parameters(const Module& model) {
  std::set<const void*> seen;
  std::int64_t total = 0;
  for (const Tensor& p : model.parameters()) {
    if (seen.insert(p.device_raw_data()).second) total += p.numel();
  }
  return total;
}

struct TrainingBatch {
  BertInputs inputs;
  Tensor labels;
};

// Random ids (never the pad id 0 unless the vocabulary is that small) and labels for the task.
// A lower bound on the host memory one step takes beyond the weights: the three [batch, seq] int64
// inputs and two [batch, seq, width] activations alive at once (an FFN's input and output; every
// layer's, kept for the backward, when training). Asked before any of it is allocated,
// so that a batch too large for the machine is refused naming --batch and --seq, not std::bad_alloc.
void check_step_fits_host_memory(const BertConfig& config, const ModelBenchmarkOptions& options) {
  if (options.device.is_cuda()) return;  // device memory runs out with the CUDA allocator's own message
  const double tokens = static_cast<double>(options.batch) * static_cast<double>(options.seq);
  double widest = static_cast<double>(config.hidden_size);
  for (const BertLayerShape& shape : config.layer_shapes) widest = std::max(widest, static_cast<double>(shape.ffn_dim));
  const double kept_layers = options.mode == BenchMode::train ? static_cast<double>(config.num_hidden_layers) : 1.0;
  const double bytes = tokens * 3 * sizeof(std::int64_t) + tokens * widest * sizeof(float) * 2 * kept_layers;
  const double memory = static_cast<double>(host_memory_bytes());
  PARE_CHECK(bytes <= memory, "bench: --batch ", options.batch, " x --seq ", options.seq, " needs at least ",
             format_bytes(bytes), " for one step's inputs and activations, more than this machine's ",
             format_bytes(memory), " of memory");
}

TrainingBatch random_batch(const BertTaskModel& model, const ModelBenchmarkOptions& options) {
  const BertConfig& config = model.config();
  std::mt19937_64 rng(options.seed);
  const Shape shape = {options.batch, options.seq};
  const std::int64_t low_id = config.vocab_size > 1 ? 1 : 0;
  TrainingBatch batch;
  batch.inputs.input_ids = random_ints(shape, low_id, config.vocab_size, rng);
  batch.inputs.attention_mask = Tensor::ones(shape, DType::i64);
  batch.inputs.token_type_ids = Tensor::zeros(shape, DType::i64);
  if (options.mode == BenchMode::infer) return batch;
  switch (model.task()) {
    case BertTask::base:
      throw Error("bench: training needs a model with a head and a loss, got BertModel");
    case BertTask::sequence_classification: {
      const auto& head = dynamic_cast<const BertForSequenceClassification&>(model);
      if (head.is_regression()) {
        Generator gen(options.seed);
        batch.labels = Tensor::randn({options.batch}, gen);
      } else {
        batch.labels = random_ints({options.batch}, 0, config.num_labels(), rng);
      }
      break;
    }
    case BertTask::token_classification:
      batch.labels = random_ints(shape, 0, config.num_labels(), rng);
      break;
    case BertTask::question_answering: {
      // Start and end positions within the sequence, start first.
      std::vector<std::int64_t> spans = random_ints({options.batch, 2}, 0, options.seq, rng).to_vector<std::int64_t>();
      for (std::size_t i = 0; i + 1 < spans.size(); i += 2) {
        if (spans[i] > spans[i + 1]) std::swap(spans[i], spans[i + 1]);
      }
      batch.labels = Tensor::from_vector(spans, {options.batch, 2});
      break;
    }
    case BertTask::masked_lm: {
      MlmMaskingOptions masking;
      masking.vocab_size = config.vocab_size;
      masking.mask_token_id = std::min<std::int64_t>(103, config.vocab_size - 1);
      Generator gen(options.seed);
      MlmBatch mlm = mask_tokens_for_mlm(batch.inputs.input_ids, batch.inputs.attention_mask, masking, gen);
      batch.inputs.input_ids = mlm.input_ids;
      batch.labels = mlm.labels;
      break;
    }
  }
  return batch;
}

double percentile_nearest_rank(const std::vector<double>& sorted, double fraction) {
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double median(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

std::size_t max_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace

BenchMode bench_mode_from_name(const std::string& name) {
  if (name == "infer") return BenchMode::infer;
  if (name == "train") return BenchMode::train;
  throw Error("bench: --mode must be infer or train, got \"" + name + "\"");
}

std::string bench_mode_name(BenchMode mode) { return mode == BenchMode::infer ? "infer" : "train"; }

void validate(const ModelBenchmarkOptions& options) {
  PARE_CHECK(options.batch >= 1, "bench: --batch must be at least 1, got ", options.batch);
  PARE_CHECK(options.seq >= 1, "bench: --seq must be at least 1, got ", options.seq);
  PARE_CHECK(options.steps >= 1, "bench: --steps must be at least 1, got ", options.steps);
  PARE_CHECK(options.warmup >= 0, "bench: --warmup must not be negative, got ", options.warmup);
  PARE_CHECK(options.threads >= 0 && options.threads <= kMaxBenchThreads, "bench: --threads must lie in [0, ",
             kMaxBenchThreads, "], got ", options.threads);
  PARE_CHECK(options.learning_rate >= 0 && std::isfinite(options.learning_rate),
             "bench: learning rate must be finite and not negative, got ", options.learning_rate);
}

std::shared_ptr<BertTaskModel> build_benchmark_model(const BenchModelSource& source, BenchMode mode,
                                                     std::optional<BertTask> task, std::uint64_t seed) {
  const bool has_dir = !source.model_dir.empty();
  PARE_CHECK(has_dir != !source.size.empty(),
             "bench: give exactly one of a model directory (--model) or a size (--size)");
  if (!task && has_dir) {
    const BertConfig config = BertConfig::load(source.model_dir);
    task = task_from_architectures(config.architectures, (source.model_dir / "config.json").string());
  }
  if (!task || *task == BertTask::base) task = BertTask::sequence_classification;
  const BertTask built_task = mode == BenchMode::infer ? BertTask::base : *task;
  PARE_CHECK(source.layers >= 0, "bench: --layers must be at least 1, got ", source.layers);
  PARE_CHECK(source.layers == 0 || !has_dir, "bench: --layers goes with --size, not with a model directory");
  if (!has_dir) {
    BertConfig config = named_bert_config(source.size, source.vocab_size);
    if (source.layers > 0) {
      config.num_hidden_layers = source.layers;
      config.reset_layer_shapes();
    }
    return make_bert_model(config, built_task, seed);
  }
  LoadOptions load;
  load.task = built_task;
  load.seed = seed;
  return load_pretrained(source.model_dir, load).model;
}

ModelBenchmarkResult run_model_benchmark(BertTaskModel& model, const ModelBenchmarkOptions& options,
                                         const std::string& model_name) {
  validate(options);
  const BertConfig& config = model.config();
  PARE_CHECK(options.seq <= config.max_position_embeddings, "bench: --seq ", options.seq,
             " exceeds the model's max_position_embeddings (", config.max_position_embeddings, ")");
  check_step_fits_host_memory(config, options);
  const ThreadCountScope thread_scope(options.threads);
  const bool training = options.mode == BenchMode::train;
  BertTaskModel& benchmarked = training ? model : static_cast<BertTaskModel&>(model.bert());
  model.to(options.device);
  TrainingBatch batch = random_batch(model, options);
  for (Tensor* t :
       {&batch.inputs.input_ids, &batch.inputs.attention_mask, &batch.inputs.token_type_ids, &batch.labels}) {
    if (t->defined()) *t = t->to(options.device);
  }

  ModelBenchmarkResult result;
  result.options = options;
  result.model = model_name;
  result.architecture = architecture_name(benchmarked.task());
  result.num_layers = config.num_hidden_layers;
  result.hidden_size = config.hidden_size;
  result.vocab_size = config.vocab_size;
  result.parameters = count_parameters(benchmarked);
  result.threads = omp_get_max_threads();
  result.int8 = config.quantization.has_value();
  if (training) check_not_int8(config, model_name, "training");
  result.device = options.device.str();

  std::unique_ptr<AdamW> optimizer;
  if (training) {
    optimizer = std::make_unique<AdamW>(parameter_groups_for_weight_decay(benchmarked.named_parameters(), 0.01),
                                        options.learning_rate);
  }
  benchmarked.train(training);
  // Inference converts the weights for bf16 products once, as a deployed model would; training once
  // per step, after the optimizer has written them.
  const std::vector<Tensor> parameters = benchmarked.parameters();
  std::optional<ParameterCache> inference_weights;
  if (!training) inference_weights.emplace(parameters);
  auto step = [&] {
    const MatmulPrecisionScope precision(options.precision);
    if (!training) {
      const NoGradGuard no_grad;
      (void)benchmarked.forward(batch.inputs);
      return;
    }
    optimizer->zero_grad();
    Tensor loss;
    {
      const ParameterCache step_weights(parameters);
      loss = benchmarked.forward(batch.inputs, batch.labels).loss;
      loss.backward();
    }
    optimizer->step();
    result.final_loss = loss.item();
    PARE_CHECK(std::isfinite(result.final_loss), "bench: training loss is not finite (", result.final_loss, ")");
  };
  for (std::int64_t i = 0; i < options.warmup; ++i) step();
  // A device runs behind the host: each timed step ends when the device has finished it.
  synchronize(options.device);
  result.start_memory_bytes = memory_stats(options.device).in_use_bytes;
  reset_peak_memory(options.device);
  reset_transfer_stats();
  using Clock = std::chrono::steady_clock;
  const auto profile = std::make_unique<KernelProfileScope>(options.profile);
  for (std::int64_t i = 0; i < options.steps; ++i) {
    const auto start = Clock::now();
    step();
    synchronize(options.device);
    result.step_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  if (options.profile) result.kernel_totals = kernel_profile();
  result.peak_memory_bytes = memory_stats(options.device).peak_in_use_bytes;
  const TransferStats transfers = transfer_stats();
  result.to_host_per_step = static_cast<double>(transfers.to_host) / static_cast<double>(options.steps);
  result.to_device_per_step = static_cast<double>(transfers.to_device) / static_cast<double>(options.steps);
  result.max_rss_bytes = max_rss_bytes();

  std::vector<double> sorted = result.step_ms;
  std::sort(sorted.begin(), sorted.end());
  result.ms_per_step = median(sorted);
  result.ms_min = sorted.front();
  result.ms_max = sorted.back();
  result.ms_p90 = percentile_nearest_rank(sorted, 0.9);
  result.ms_mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  result.seq_per_s = static_cast<double>(options.batch) * 1000.0 / result.ms_per_step;
  result.tokens_per_s = result.seq_per_s * static_cast<double>(options.seq);
  return result;
}

nlohmann::ordered_json to_json(const ModelBenchmarkResult& r) {
  nlohmann::ordered_json j;
  j["model"] = r.model;
  j["architecture"] = r.architecture;
  j["mode"] = bench_mode_name(r.options.mode);
  j["batch"] = r.options.batch;
  j["seq"] = r.options.seq;
  j["steps"] = r.options.steps;
  j["warmup"] = r.options.warmup;
  j["num_layers"] = r.num_layers;
  j["hidden_size"] = r.hidden_size;
  j["vocab_size"] = r.vocab_size;
  j["parameters"] = r.parameters;
  j["threads"] = r.threads;
  j["device"] = r.device;
  j["precision"] = precision_name(r.options.precision);
  // int8 models: their linear layers' products in int8 whatever the policy (runtime/ops/quantized.h).
  j["weights"] = r.int8 ? "int8" : "f32";
  j["seq_per_s"] = r.seq_per_s;
  j["tokens_per_s"] = r.tokens_per_s;
  j["ms_per_step"] = r.ms_per_step;
  j["ms_min"] = r.ms_min;
  j["ms_p90"] = r.ms_p90;
  j["ms_max"] = r.ms_max;
  j["ms_mean"] = r.ms_mean;
  j["step_ms"] = r.step_ms;
  j["start_memory_bytes"] = r.start_memory_bytes;
  j["peak_memory_bytes"] = r.peak_memory_bytes;
  j["max_rss_bytes"] = r.max_rss_bytes;
  j["to_host_per_step"] = r.to_host_per_step;
  j["to_device_per_step"] = r.to_device_per_step;
  if (r.options.mode == BenchMode::train) j["final_loss"] = r.final_loss;
  if (r.options.profile) {
    nlohmann::ordered_json kernels = nlohmann::ordered_json::array();
    const auto steps = static_cast<double>(r.options.steps);
    for (const KernelTime& k : r.kernel_totals) {
      const double ms = k.seconds * 1e3 / steps;
      nlohmann::ordered_json entry = {{"kernel", k.kernel},
                                      {"calls_per_step", static_cast<double>(k.calls) / steps},
                                      {"ms_per_step", ms},
                                      {"share_of_step", r.ms_per_step > 0 ? ms / r.ms_per_step : 0.0}};
      // Products report their arithmetic rate, memory-bound kernels their traffic (runtime/kernel_work.h).
      if (k.seconds > 0 && k.flops > 0) entry["gflop_per_s"] = k.flops / k.seconds * 1e-9;
      if (k.seconds > 0 && k.flops == 0 && k.bytes > 0) entry["gb_per_s"] = k.bytes / k.seconds * 1e-9;
      kernels.push_back(std::move(entry));
    }
    j["kernels"] = kernels;
  }
  return j;
}

}  // namespace pare
