#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "data/tokenize.h"      // token_lengths
#include "models/checkpoint.h"  // save_pretrained, read_checkpoint_tensors, load_checkpoint_tensors
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/distributed/gradient_all_reduce.h"
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "runtime/io/safetensors.h"
#include "runtime/json_differences.h"
#include "runtime/ops/elementwise.h"  // add, scale
#include "runtime/optim/adamw.h"
#include "runtime/optim/clip_grad.h"
#include "runtime/optim/lr_schedule.h"
#include "runtime/parameter_cache.h"
#include "runtime/transfer.h"  // transfer_stats
#include "runtime/version.h"   // kPareVersion
#include "train/atomic_directory.h"
#include "train/batch_shard.h"
#include "train/interrupt.h"
#include "train/metrics_log.h"
#include "train/non_finite_loss.h"  // non_finite_step_message
#include "train/progress_bar.h"
#include "train/run_fingerprint.h"
#include "train/run_lock.h"
#include "train/trainer_state.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTrainerStateFile = "trainer_state.safetensors";
constexpr const char* kHookTensorsFile = "hook_tensors.safetensors";
// Offsets that give dropout and masking their own streams from the one run seed.
constexpr std::uint64_t kDropoutSeedOffset = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kMaskingSeedOffset = 0xd1b54a32d192ed03ULL;
// Rank r > 0 of a data-parallel run draws its dropout with the run's seed plus r times this.
constexpr std::uint64_t kRankSeedStride = 0x94d049bb133111ebULL;

using Clock = std::chrono::steady_clock;

// What the loss of a micro-batch averages over: rows for sentence labels, labelled positions for
// token labels. Weighting micro-batches by it makes k micro-batches equal one batch k times larger.
std::int64_t loss_units(const Tensor& labels) {
  if (labels.dim() == 1) return labels.size(0);
  PARE_CHECK(labels.dtype() == DType::i64, "trainer: token labels must be int64, got ", dtype_name(labels.dtype()));
  std::int64_t count = 0;
  const std::int64_t* data = labels.contiguous().data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i) count += data[i] != kIgnoreLabel;
  return count;
}

double metric_value(const std::vector<MetricValue>& metrics, const std::string& name) {
  std::string known;
  for (const MetricValue& m : metrics) {
    if (m.name == name) return m.value;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw Error(
      detail::concat("trainer: metric_for_best '", name, "' is not among the evaluation's metrics (", known, ")"));
}

void save_model_directory(const BertTaskModel& model, const fs::path& dir, const std::vector<fs::path>& files,
                          WeightView view) {
  save_pretrained(model, dir, view);
  for (const fs::path& file : files) {
    std::error_code ec;
    fs::copy_file(file, dir / file.filename(), fs::copy_options::overwrite_existing, ec);
    PARE_CHECK(!ec, "trainer: cannot copy '", file.string(), "' into '", dir.string(), "': ", ec.message());
  }
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// This rank's rows of one micro-batch, on the model's device.
struct MicroBatch {
  Batch batch;
  std::int64_t units = 0;        // what the whole micro-batch's loss averages over (every rank's rows)
  std::int64_t local_units = 0;  // of those, in this rank's rows
  BatchShare share;
};

}  // namespace

TrainingPlan make_training_plan(const TrainerOptions& o, std::size_t num_examples) {
  PARE_CHECK(num_examples > 0, "trainer: no training examples");
  PARE_CHECK(o.batch_size >= 1, "trainer: batch_size must be at least 1");
  PARE_CHECK(o.gradient_accumulation >= 1, "trainer: gradient_accumulation must be at least 1, got ",
             o.gradient_accumulation);
  PARE_CHECK(o.batch_size % static_cast<std::size_t>(o.gradient_accumulation) == 0, "trainer: batch_size ",
             o.batch_size, " is not a multiple of gradient_accumulation ", o.gradient_accumulation);
  PARE_CHECK(std::isfinite(o.task_loss_weight) && o.task_loss_weight >= 0,
             "trainer: task_loss_weight must be finite and not negative, got ", o.task_loss_weight);
  PARE_CHECK(o.max_steps >= 0, "trainer: max_steps must not be negative, got ", o.max_steps);
  PARE_CHECK(o.max_steps > 0 || (std::isfinite(o.epochs) && o.epochs > 0), "trainer: epochs must be positive, got ",
             o.epochs);
  PARE_CHECK(std::isfinite(o.lr) && o.lr > 0, "trainer: lr must be positive, got ", o.lr);
  PARE_CHECK(o.weight_decay >= 0, "trainer: weight_decay must not be negative, got ", o.weight_decay);
  PARE_CHECK(o.max_grad_norm >= 0, "trainer: max_grad_norm must not be negative (0: no clipping), got ",
             o.max_grad_norm);
  PARE_CHECK(o.warmup_steps >= 0, "trainer: warmup_steps must not be negative, got ", o.warmup_steps);
  PARE_CHECK(o.warmup_ratio >= 0 && o.warmup_ratio <= 1, "trainer: warmup_ratio must lie in [0, 1], got ",
             o.warmup_ratio);
  PARE_CHECK(o.log_every >= 1, "trainer: log_every must be at least 1, got ", o.log_every);
  PARE_CHECK(o.eval_every >= 0 && o.save_every >= 0, "trainer: eval_every and save_every must not be negative");

  const auto micro = static_cast<std::int64_t>(o.batch_size) / o.gradient_accumulation;
  const std::int64_t micro_per_epoch = ceil_div(static_cast<std::int64_t>(num_examples), micro);
  TrainingPlan plan;
  plan.steps_per_epoch = ceil_div(micro_per_epoch, o.gradient_accumulation);
  const double epoch_steps =
      std::ceil(o.epochs * static_cast<double>(micro_per_epoch) / static_cast<double>(o.gradient_accumulation));
  // 2^53: beyond it a double no longer counts steps one by one (and no run gets there).
  PARE_CHECK(o.max_steps > 0 || epoch_steps <= 9007199254740992.0, "trainer: ", o.epochs, " epochs of ", num_examples,
             " examples make ", epoch_steps, " steps, more than any run can take");
  plan.total_steps = o.max_steps > 0 ? o.max_steps : static_cast<std::int64_t>(epoch_steps);
  PARE_CHECK(plan.total_steps >= 1, "trainer: the run has no steps");
  plan.warmup_steps =
      o.warmup_steps > 0 ? o.warmup_steps : std::llround(o.warmup_ratio * static_cast<double>(plan.total_steps));
  PARE_CHECK(plan.warmup_steps <= plan.total_steps, "trainer: warmup_steps ", plan.warmup_steps, " exceeds the run's ",
             plan.total_steps, " steps");
  return plan;
}

Trainer::Trainer(std::shared_ptr<BertTaskModel> model, TrainerOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  PARE_CHECK(model_ != nullptr, "trainer: no model");
}

void Trainer::set_train_data(std::vector<TokenizedExample> examples, TaskKind kind, std::int64_t pad_id) {
  examples_ = std::move(examples);
  kind_ = kind;
  pad_id_ = pad_id;
}

void Trainer::set_batch_transform(BatchTransform transform) { transform_ = std::move(transform); }

void Trainer::set_evaluator(Evaluator evaluator) { evaluator_ = std::move(evaluator); }

void Trainer::add_hook(std::shared_ptr<TrainingHook> hook) {
  PARE_CHECK(hook != nullptr, "trainer: null hook");
  for (const auto& h : hooks_) PARE_CHECK(h->name() != hook->name(), "trainer: two hooks named '", hook->name(), "'");
  hooks_.push_back(std::move(hook));
}

// One call of Trainer::train(): the optimizer, sampler, generators, logs and counters of the run, and
// the named steps the loop is made of.
class TrainingRun {
 public:
  explicit TrainingRun(Trainer& trainer);
  TrainResult run();

 private:
  // Creates the output directory (recovering interrupted renames), or throws on bad options.
  void prepare_output();
  // Restores checkpoint/ on resume (weights, optimizer, sampler, generators, hooks), or starts fresh.
  void resume_or_start();
  // The micro-batches of the next step, collated and transformed on the host, cut to this rank's
  // rows, then moved to the model's device.
  std::vector<MicroBatch> next_batches(std::int64_t step, std::int64_t& sequences);
  // Forward and backward of every micro-batch; returns this rank's part of the step's loss, still on
  // the device.
  Tensor accumulate_gradients(std::int64_t step, const std::vector<MicroBatch>& batches);
  // Data parallelism: every rank's parameters and hooks' state are the same, or every rank throws.
  void check_replicas_agree();
  // Clips, steps the optimizer and zeroes the gradients; returns the norm before clipping.
  double optimizer_step(std::int64_t step, const std::vector<MicroBatch>& batches, double step_loss, double lr);
  // Throws the message of a step whose loss or gradient norm (`what`) is not finite.
  [[noreturn]] void stop_non_finite(const std::string& what, std::int64_t step,
                                    const std::vector<MicroBatch>& batches) const;
  void log_window(double lr, double grad_norm, bool force);
  void evaluate();
  void save_checkpoint();
  // What decides the run's result besides the data's content: checked against the checkpoint's on
  // resume, so that a resume under other settings is refused instead of silently mixing two runs.
  nlohmann::json run_settings() const;

  Trainer& trainer_;
  Communicator& comm_;
  BertTaskModel& model_;
  const TrainerOptions& options_;
  TrainingPlan plan_;
  fs::path checkpoint_dir_, best_dir_;
  // Held for the run: a second process training into the same folder is refused.
  std::optional<RunLock> lock_;
  // Of the data and the starting model, for run_settings().
  std::string data_fingerprint_, model_fingerprint_;
  NamedTensors params_;
  std::vector<Tensor> all_params_;
  std::optional<GradientAllReduce> gradient_sum_;  // with several ranks
  std::optional<AdamW> optimizer_;
  std::optional<BatchSampler> sampler_;
  Generator& dropout_gen_;
  Generator masking_gen_;
  TrainerState state_;
  std::optional<MetricsLog> metrics_log_;
  TrainResult result_;
  double window_loss_ = 0.0;
  std::uint64_t window_host_reads_ = 0;
  double window_all_reduce_s_ = 0.0;
  std::int64_t window_steps_ = 0;
  std::int64_t window_sequences_ = 0;
  Clock::time_point window_start_;
  // The hooks' numeric log fields of the last logged window, for the progress line.
  std::string hook_status_;
  // This rank's weighted task loss of the current step, on the device: read only to explain a loss
  // that is not finite.
  Tensor step_task_loss_;
};

TrainingRun::TrainingRun(Trainer& trainer)
    : trainer_(trainer),
      comm_(world()),
      model_(*trainer.model_),
      options_(trainer.options_),
      dropout_gen_(model_.bert().generator()),
      masking_gen_(options_.seed + kMaskingSeedOffset) {}

void TrainingRun::prepare_output() {
  plan_ = make_training_plan(options_, trainer_.examples_.size());
  PARE_CHECK(!options_.output_dir.empty(), "trainer: output_dir is required");
  const fs::path& out = options_.output_dir;
  checkpoint_dir_ = out / "checkpoint";
  best_dir_ = out / "best";
  if (!writes_results()) {
    comm_.barrier();  // rank 0 has made the folder and recovered interrupted renames
    return;
  }
  for (const fs::path& file : options_.model_files) {
    PARE_CHECK(fs::is_regular_file(file), "trainer: model file '", file.string(), "' does not exist");
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  PARE_CHECK(!ec, "trainer: cannot create output directory '", out.string(), "': ", ec.message());
  lock_.emplace(RunLock::acquire(out, "training"));
  if (!lock_->taken_over().empty() && options_.progress_out != nullptr) {
    std::fprintf(options_.progress_out, "%s\n", lock_->taken_over().c_str());
  }
  recover_directory(checkpoint_dir_);
  recover_directory(best_dir_);
  comm_.barrier();
}

void TrainingRun::resume_or_start() {
  params_ = model_.named_parameters();
  for (const auto& hook : trainer_.hooks_) {
    for (auto& [name, t] : hook->parameters()) {
      PARE_CHECK(t.device() == options_.device, "trainer: parameter '", name, "' of hook '", hook->name(), "' is on ",
                 t.device().str(), ", the model on ", options_.device.str(), " (make hooks after moving the model)");
      params_.emplace_back("hooks." + hook->name() + "." + name, t);
    }
  }
  for (const auto& [name, t] : params_) all_params_.push_back(t);
  // Before a resume loads the checkpoint's weights: what the run started from.
  data_fingerprint_ = data_fingerprint(trainer_.examples_);
  model_fingerprint_ = model_fingerprint(params_);
  optimizer_.emplace(parameter_groups_for_weight_decay(params_, options_.weight_decay), options_.lr);

  BatchSamplerOptions sampler_options;
  sampler_options.batch_size = options_.batch_size / static_cast<std::size_t>(options_.gradient_accumulation);
  sampler_options.bucket_batches = options_.bucket_batches;
  sampler_options.seed = options_.seed;
  sampler_.emplace(token_lengths(trainer_.examples_), sampler_options);

  const fs::path state_file = checkpoint_dir_ / kTrainerStateFile;
  // A run stopped before its first checkpoint (killed, or interrupted during the first steps)
  // resumes from its start: the same settings give the same steps again.
  const bool from_start =
      options_.resume && !fs::exists(state_file) && fs::exists(options_.output_dir / "metrics.jsonl");
  if (from_start && options_.progress_out != nullptr && writes_results()) {
    std::fprintf(options_.progress_out, "pare: %s holds no checkpoint yet: the run starts again from step 0\n",
                 options_.output_dir.c_str());
  }
  if (!options_.resume || from_start) {
    PARE_CHECK(from_start || !fs::exists(checkpoint_dir_), "trainer: '", options_.output_dir.string(),
               "' already holds a checkpoint; resume it or choose another output directory");
    // An earlier run's best model or log, even without its checkpoint, is a result: a new run would
    // replace best/ with whatever it reaches and mix two runs in one log.
    for (const fs::path& earlier : {best_dir_, options_.output_dir / "metrics.jsonl"}) {
      PARE_CHECK(from_start || !fs::exists(earlier), "trainer: '", options_.output_dir.string(), "' already holds ",
                 earlier.filename().string(),
                 " of an earlier run; choose another output directory (pare never replaces "
                 "a run's results)");
    }
    dropout_gen_.set_state(options_.seed + kDropoutSeedOffset, 0);
    state_.data_seed = options_.seed;
    return;
  }
  PARE_CHECK(fs::exists(state_file), "trainer: nothing to resume: '", state_file.string(), "' does not exist");
  const CheckpointTensors weights = read_checkpoint_tensors(checkpoint_dir_);
  CheckpointLoadReport report;
  load_checkpoint_tensors(model_, weights.tensors, weights.source, report);
  PARE_CHECK(report.initialised.empty(), "trainer: checkpoint '", checkpoint_dir_.string(),
             "' does not hold this model's weights: ", report.summary());
  state_ = load_trainer_state(state_file);
  if (state_.extra.contains("run")) {
    const std::vector<std::string> differences = json_differences(state_.extra["run"], run_settings());
    if (!differences.empty()) {
      std::string list;
      for (const std::string& d : differences) list += "\n  " + d;
      throw Error("trainer: the checkpoint in '" + checkpoint_dir_.string() +
                  "' was made with other settings, so the run cannot continue under these:" + list +
                  "\nresume with the settings it was started with, or start a new run in another directory");
    }
  }
  PARE_CHECK(state_.step >= 0 && state_.step <= plan_.total_steps, "trainer: the checkpoint in '",
             checkpoint_dir_.string(), "' is at step ", state_.step, ", outside this run's 0 .. ", plan_.total_steps);
  optimizer_->load_state_dict(state_.optimizer);
  sampler_->set_state({state_.data_seed, state_.epoch, state_.batches_in_epoch});
  for (const auto& [name, gen] :
       {std::pair<const char*, Generator*>{"dropout", &dropout_gen_}, {"masking", &masking_gen_}}) {
    const auto found = state_.generators.find(name);
    PARE_CHECK(found != state_.generators.end(), "trainer: '", state_file.string(), "' lacks the ", name,
               " generator state");
    gen->set_state(found->second.seed, found->second.offset);
  }
  const fs::path hook_file = checkpoint_dir_ / kHookTensorsFile;
  std::optional<SafetensorsFile> hook_tensors;
  if (fs::exists(hook_file)) hook_tensors = SafetensorsFile::open(hook_file);
  for (const auto& hook : trainer_.hooks_) {
    const nlohmann::json& hooks_json = state_.extra.contains("hooks") ? state_.extra["hooks"] : nlohmann::json();
    PARE_CHECK(hooks_json.contains(hook->name()), "trainer: '", state_file.string(), "' has no state of hook '",
               hook->name(), "'");
    hook->load_state(hooks_json[hook->name()]);
    StateDict tensors;
    const std::string prefix = hook->name() + ".";
    if (hook_tensors) {
      for (const std::string& name : hook_tensors->names()) {
        if (name.rfind(prefix, 0) == 0) tensors[name.substr(prefix.size())] = hook_tensors->load(name);
      }
    }
    hook->load_state_tensors(tensors);
  }
}

nlohmann::json TrainingRun::run_settings() const {
  nlohmann::json hooks = nlohmann::json::array();
  for (const auto& hook : trainer_.hooks_) hooks.push_back(hook->name());
  nlohmann::json settings = options_.caller_settings;
  settings.update(nlohmann::json{{"max_steps", options_.max_steps},
                                 {"epochs", options_.epochs},
                                 {"total_steps", plan_.total_steps},
                                 {"batch_size", options_.batch_size},
                                 {"gradient_accumulation", options_.gradient_accumulation},
                                 {"lr", options_.lr},
                                 {"warmup_steps", plan_.warmup_steps},
                                 {"weight_decay", options_.weight_decay},
                                 {"max_grad_norm", options_.max_grad_norm},
                                 {"task_loss_weight", options_.task_loss_weight},
                                 {"bucket_batches", options_.bucket_batches},
                                 {"seed", options_.seed},
                                 {"training_examples", trainer_.examples_.size()},
                                 {"precision", precision_name(options_.precision)},
                                 {"hooks", hooks},
                                 {"training_data", data_fingerprint_},
                                 {"starting_model", model_fingerprint_},
                                 {"pare_version", kPareVersion}});
  return settings;
}

void TrainingRun::check_replicas_agree() {
  NamedTensors state = params_;
  for (const auto& hook : trainer_.hooks_) {
    for (auto& [name, t] : hook->state_tensors()) state.emplace_back(hook->name() + "." + name, t);
  }
  const std::string mine = model_fingerprint(state);
  const std::string first = broadcast(comm_, mine, 0);
  const double differing = all_reduce(comm_, mine == first ? 0.0 : 1.0);
  PARE_CHECK(differing == 0, "trainer: after step ", state_.step, " the parameters or pruning state of ", differing,
             " of ", comm_.size(), " ranks differ from rank 0's", mine == first ? "" : " (this rank's among them)",
             "; the ranks of a data-parallel run must stay identical (the same pare, model, data and options on "
             "every rank)");
}

void TrainingRun::save_checkpoint() {
  if (!writes_results()) return;
  AtomicDirectory dir(checkpoint_dir_);
  save_model_directory(model_, dir.temp_path(), options_.model_files, WeightView::stored);
  TrainerState saved = state_;
  const SamplerState position = sampler_->state();
  saved.data_seed = position.seed;
  saved.epoch = position.epoch;
  saved.batches_in_epoch = position.position;
  saved.generators["dropout"] = {dropout_gen_.seed(), dropout_gen_.offset()};
  saved.generators["masking"] = {masking_gen_.seed(), masking_gen_.offset()};
  saved.optimizer = optimizer_->state_dict();
  saved.extra["hooks"] = nlohmann::json::object();
  saved.extra["total_steps"] = plan_.total_steps;
  saved.extra["run"] = run_settings();
  NamedTensors hook_tensors;
  for (const auto& hook : trainer_.hooks_) {
    saved.extra["hooks"][hook->name()] = hook->state();
    for (auto& [name, t] : hook->state_tensors()) hook_tensors.emplace_back(hook->name() + "." + name, t);
  }
  save_trainer_state(dir.temp_path() / kTrainerStateFile, saved);
  if (!hook_tensors.empty()) save_safetensors(dir.temp_path() / kHookTensorsFile, hook_tensors);
  dir.commit();
}

void TrainingRun::evaluate() {
  const bool was_training = model_.is_training();
  model_.eval();
  std::vector<MetricValue> metrics;
  {
    NoGradGuard no_grad;
    metrics = trainer_.evaluator_(model_);
  }
  model_.train(was_training);
  PARE_CHECK(!metrics.empty(), "trainer: the evaluator returned no metrics");
  nlohmann::json record = {{"type", "eval"}, {"step", state_.step}};
  for (const MetricValue& m : metrics) record[m.name] = m.value;
  if (metrics_log_) metrics_log_->write(record);
  const std::string& best_name = options_.metric_for_best;
  const double value = metric_value(metrics, best_name.empty() ? metrics.front().name : best_name);
  const bool better = options_.greater_is_better ? value > state_.best_metric : value < state_.best_metric;
  if (std::isfinite(value) && (!state_.has_best || better)) {
    state_.has_best = true;
    state_.best_metric = value;
    if (writes_results()) {
      AtomicDirectory dir(best_dir_);
      save_model_directory(model_, dir.temp_path(), options_.model_files, WeightView::as_forward);
      dir.commit();
    }
  }
  result_.evaluations.push_back({state_.step, std::move(metrics)});
}

std::vector<MicroBatch> TrainingRun::next_batches(std::int64_t step, std::int64_t& sequences) {
  std::vector<MicroBatch> batches;
  for (std::int64_t i = 0; i < options_.gradient_accumulation; ++i) {
    const std::vector<std::size_t> indices = sampler_->next();
    Batch batch = collate(trainer_.examples_, indices, trainer_.kind_, trainer_.pad_id_);
    if (trainer_.transform_) trainer_.transform_(batch, masking_gen_);
    PARE_CHECK(batch.labels.defined(), "trainer: a training batch has no labels (step ", step + 1, ")");
    MicroBatch micro;
    micro.units = loss_units(batch.labels);
    sequences += static_cast<std::int64_t>(indices.size());
    if (comm_.size() == 1) {
      micro.batch = std::move(batch);
      micro.local_units = micro.units;
    } else {
      BatchShard shard = shard_batch(batch, rank_rows(batch.input_ids.size(0), comm_.rank(), comm_.size()));
      micro.batch = std::move(shard.batch);
      micro.share = shard.share;
      micro.local_units = shard.stand_in ? 0 : loss_units(micro.batch.labels);
    }
    Batch& b = micro.batch;
    for (Tensor* t : {&b.input_ids, &b.attention_mask, &b.token_type_ids, &b.labels}) {
      if (t->defined()) *t = t->to(options_.device);
    }
    batches.push_back(std::move(micro));
  }
  return batches;
}

Tensor TrainingRun::accumulate_gradients(std::int64_t step, const std::vector<MicroBatch>& batches) {
  std::int64_t total_units = 0;
  for (const MicroBatch& micro : batches) total_units += micro.units;
  Tensor step_loss = Tensor::zeros({}, DType::f32, options_.device);
  step_task_loss_ = Tensor::zeros({}, DType::f32, options_.device);
  const MatmulPrecisionScope precision(options_.precision);
  // The weights stay as they are until the optimizer's step, after this.
  const ParameterCache weights(all_params_);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const MicroBatch& micro = batches[i];
    if (micro.units == 0) continue;  // nothing to learn from (an MLM batch with no masked token)
    const Batch& batch = micro.batch;
    const BertInputs inputs{batch.input_ids, batch.attention_mask, batch.token_type_ids};
    const BertOutputs outputs = model_.forward(inputs, batch.labels);
    // At weight 0 the task term stays out of the graph, so its head gets no gradient from it. This
    // rank's rows carry local_units of the micro-batch's units; without any, their task loss is
    // left out (a mean over nothing).
    const double task_weight =
        options_.task_loss_weight * static_cast<double>(micro.local_units) / static_cast<double>(micro.units);
    Tensor loss;
    if (task_weight == 1.0) {
      loss = outputs.loss;
    } else if (task_weight != 0.0) {
      loss = scale(outputs.loss, task_weight);
    }
    const auto micro_batch = static_cast<std::int64_t>(i);
    for (const auto& hook : trainer_.hooks_) {
      const Tensor extra =
          hook->extra_loss(MicroBatchView{step, micro_batch, inputs, batch.labels, outputs, micro.share});
      if (extra.defined()) loss = loss.defined() ? add(loss, extra) : extra;
    }
    PARE_CHECK(loss.defined() || options_.task_loss_weight != 0.0,
               "trainer: task_loss_weight is 0 and no hook added a loss at step ", step + 1, ", micro-batch ", i + 1,
               "; nothing to train on");
    if (!loss.defined()) continue;  // this rank's rows hold none of the micro-batch's units
    const double weight = static_cast<double>(micro.units) / static_cast<double>(total_units);
    if (task_weight != 0.0) step_task_loss_ = add(step_task_loss_, scale(outputs.loss.detach(), task_weight * weight));
    const Tensor weighted = scale(loss, weight);
    weighted.backward();
    step_loss = add(step_loss, weighted.detach());
  }
  return step_loss;
}

void TrainingRun::stop_non_finite(const std::string& what, std::int64_t step,
                                  const std::vector<MicroBatch>& batches) const {
  std::vector<Tensor> labels;
  for (const MicroBatch& micro : batches) labels.push_back(micro.batch.labels);
  std::vector<std::string> notes;
  for (const auto& hook : trainer_.hooks_) notes.push_back(hook->explain_non_finite_loss());
  throw Error(non_finite_step_message(what, step + 1, step_task_loss_.item(), labels, notes));
}

double TrainingRun::optimizer_step(std::int64_t step, const std::vector<MicroBatch>& batches, double step_loss,
                                   double lr) {
  if (gradient_sum_) gradient_sum_->reduce();
  for (const auto& hook : trainer_.hooks_) hook->after_backward(step, model_);
  const double max_norm = options_.max_grad_norm > 0 ? options_.max_grad_norm : std::numeric_limits<double>::infinity();
  const double grad_norm = clip_grad_norm(all_params_, max_norm);
  if (!std::isfinite(grad_norm)) {
    stop_non_finite(detail::concat("non-finite gradient norm (", grad_norm, ", loss ", step_loss, ")"), step, batches);
  }
  optimizer_->set_lr(lr);
  optimizer_->step();
  optimizer_->zero_grad();
  return grad_norm;
}

void TrainingRun::log_window(double lr, double grad_norm, bool force) {
  if (state_.step % options_.log_every != 0 && !force) return;
  const double seconds = std::chrono::duration<double>(Clock::now() - window_start_).count();
  const SamplerState position = sampler_->state();
  const auto batches_per_epoch = static_cast<double>(sampler_->batches_per_epoch());
  nlohmann::json record = {
      {"type", "train"},
      {"step", state_.step},
      {"loss", window_loss_ / static_cast<double>(window_steps_)},
      {"lr", lr},
      {"grad_norm", grad_norm},
      {"seq_per_s", seconds > 0 ? static_cast<double>(window_sequences_) / seconds : 0.0},
      {"host_reads_per_step", static_cast<double>(window_host_reads_) / static_cast<double>(window_steps_)},
      {"epoch", static_cast<double>(position.epoch) + static_cast<double>(position.position) / batches_per_epoch}};
  if (gradient_sum_) {
    record["all_reduce_s_per_step"] = window_all_reduce_s_ / static_cast<double>(window_steps_);
    record["all_reduce_bytes_per_step"] = gradient_sum_->last_bytes();
    record["ranks"] = comm_.size();
  }
  for (const auto& hook : trainer_.hooks_) {
    nlohmann::json fields = hook->log_fields();
    if (!fields.is_null()) record[hook->name()] = std::move(fields);
  }
  hook_status_.clear();
  for (const auto& hook : trainer_.hooks_) {
    if (!record.contains(hook->name())) continue;
    for (const auto& [key, value] : record[hook->name()].items()) {
      if (!value.is_number()) continue;
      char term[64];
      std::snprintf(term, sizeof term, " | %s %.4g", key.c_str(), value.get<double>());
      hook_status_ += term;
    }
  }
  if (metrics_log_) metrics_log_->write(record);
  window_loss_ = 0.0;
  window_host_reads_ = 0;
  window_all_reduce_s_ = 0.0;
  window_steps_ = 0;
  window_sequences_ = 0;
  window_start_ = Clock::now();
}

TrainResult TrainingRun::run() {
  // From the start: a signal while the checkpoint loads stops the run after its first step, with a
  // checkpoint, instead of killing it.
  std::optional<StopOnInterrupt> interrupt_guard;
  if (options_.stop_on_sigint) interrupt_guard.emplace();
  prepare_output();
  resume_or_start();
  comm_.barrier();  // every rank has read the output folder before rank 0 writes to it
  plan_.start_step = state_.step;
  for (const auto& hook : trainer_.hooks_) hook->on_train_begin(model_, plan_);

  const LinearWarmupDecay schedule(options_.lr, plan_.warmup_steps, plan_.total_steps);
  if (writes_results()) {
    if (options_.resume) MetricsLog::keep_through_step(options_.output_dir / "metrics.jsonl", state_.step);
    metrics_log_.emplace(options_.output_dir / "metrics.jsonl");
  }
  std::optional<ProgressBar> bar;
  if (options_.progress_out != nullptr && writes_results()) {
    bar.emplace(options_.progress_label, plan_.total_steps, options_.progress_out, options_.log_every);
  }
  result_.total_steps = plan_.total_steps;
  result_.checkpoint_dir = checkpoint_dir_;
  if (trainer_.evaluator_) result_.best_dir = best_dir_;

  const bool parallel = comm_.size() > 1;
  if (parallel) {
    std::vector<Tensor> summed = all_params_;
    for (const auto& hook : trainer_.hooks_) {
      for (auto& [name, t] : hook->gradient_tensors()) summed.push_back(t);
    }
    gradient_sum_.emplace(std::move(summed), comm_);
    check_replicas_agree();
  }
  // Saved with the checkpoint; during a step of a data-parallel run rank r draws from seed + r * stride.
  const std::uint64_t dropout_seed = dropout_gen_.seed();

  model_.train();
  optimizer_->zero_grad();
  window_start_ = Clock::now();
  bool& stop_requested = trainer_.stop_requested_;
  while (state_.step < plan_.total_steps && !stop_requested) {
    const std::int64_t step = state_.step;
    const std::uint64_t reads_before = transfer_stats().to_host;
    std::int64_t sequences = 0;
    const std::vector<MicroBatch> batches = next_batches(step, sequences);
    if (parallel) {
      dropout_gen_.set_state(dropout_seed + static_cast<std::uint64_t>(comm_.rank()) * kRankSeedStride,
                             dropout_gen_.offset());
    }
    // The step's one host read of the loss, for the check, the log and the progress bar.
    double step_loss = accumulate_gradients(step, batches).item();
    if (parallel) step_loss = all_reduce(comm_, step_loss);
    if (!std::isfinite(step_loss)) stop_non_finite(detail::concat("non-finite loss (", step_loss, ")"), step, batches);
    const double lr = schedule.lr(step);
    const double grad_norm = optimizer_step(step, batches, step_loss, lr);
    ++state_.step;
    result_.last_loss = step_loss;

    const StepInfo info{state_.step, step_loss, grad_norm, lr, sequences};
    for (const auto& hook : trainer_.hooks_) hook->after_step(info);
    if (interrupt_guard && StopOnInterrupt::requested()) stop_requested = true;
    if (parallel) {
      // One decision to stop for every rank (a signal may reach them at different steps), and the
      // dropout streams back to one state: the furthest any rank drew.
      std::int64_t shared[2] = {static_cast<std::int64_t>(dropout_gen_.offset()), stop_requested ? 1 : 0};
      comm_.all_reduce(shared, 2, CollectiveElement::i64, ReduceOp::max, Device::cpu());
      dropout_gen_.set_state(dropout_seed, static_cast<std::uint64_t>(shared[0]));
      stop_requested = shared[1] != 0;
    }

    window_host_reads_ += transfer_stats().to_host - reads_before;
    if (gradient_sum_) window_all_reduce_s_ += gradient_sum_->last_seconds();
    window_loss_ += step_loss;
    ++window_steps_;
    window_sequences_ += sequences;
    const bool last = state_.step == plan_.total_steps;
    if (parallel && (last || stop_requested ||
                     (options_.replica_check_every > 0 && state_.step % options_.replica_check_every == 0))) {
      check_replicas_agree();
    }
    log_window(lr, grad_norm, last || stop_requested);
    if (bar) {
      char loss[32];
      std::snprintf(loss, sizeof loss, "loss %.4f", step_loss);
      bar->update(state_.step, sequences, loss + hook_status_);
    }
    if (trainer_.evaluator_ && ((options_.eval_every > 0 && state_.step % options_.eval_every == 0) || last)) {
      evaluate();
    }
    if ((options_.save_every > 0 && state_.step % options_.save_every == 0) || last || stop_requested) {
      save_checkpoint();
    }
  }
  if (bar) bar->finish();
  // Rank 0 has written the last checkpoint before any rank returns: a rank that exits with a status
  // (130 when stopped) makes mpirun end the others.
  comm_.barrier();

  result_.steps = state_.step;
  result_.stopped = state_.step < plan_.total_steps;
  result_.has_best = state_.has_best;
  result_.best_metric = state_.best_metric;
  stop_requested = false;
  return result_;
}

TrainResult Trainer::train() {
  model_->to(options_.device);
  return TrainingRun(*this).run();
}

}  // namespace pare
