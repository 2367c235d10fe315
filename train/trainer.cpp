#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "data/tokenize.h"      // token_lengths
#include "models/checkpoint.h"  // save_pretrained, read_checkpoint_tensors, load_checkpoint_tensors
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/error.h"
#include "runtime/io/safetensors.h"
#include "runtime/ops/elementwise.h"  // add, scale
#include "runtime/optim/adamw.h"
#include "runtime/optim/clip_grad.h"
#include "runtime/optim/lr_schedule.h"
#include "train/atomic_directory.h"
#include "train/interrupt.h"
#include "train/metrics_log.h"
#include "train/progress_bar.h"
#include "train/trainer_state.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTrainerStateFile = "trainer_state.safetensors";
constexpr const char* kHookTensorsFile = "hook_tensors.safetensors";
// Offsets that give dropout and masking their own streams from the one run seed.
constexpr std::uint64_t kDropoutSeedOffset = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kMaskingSeedOffset = 0xd1b54a32d192ed03ULL;

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
  PARE_CHECK(o.warmup_steps >= 0, "trainer: warmup_steps must not be negative, got ", o.warmup_steps);
  PARE_CHECK(o.warmup_ratio >= 0 && o.warmup_ratio <= 1, "trainer: warmup_ratio must lie in [0, 1], got ",
             o.warmup_ratio);
  PARE_CHECK(o.log_every >= 1, "trainer: log_every must be at least 1, got ", o.log_every);
  PARE_CHECK(o.eval_every >= 0 && o.save_every >= 0, "trainer: eval_every and save_every must not be negative");

  const auto micro = static_cast<std::int64_t>(o.batch_size) / o.gradient_accumulation;
  const std::int64_t micro_per_epoch = ceil_div(static_cast<std::int64_t>(num_examples), micro);
  TrainingPlan plan;
  plan.steps_per_epoch = ceil_div(micro_per_epoch, o.gradient_accumulation);
  plan.total_steps = o.max_steps > 0
                         ? o.max_steps
                         : static_cast<std::int64_t>(std::ceil(o.epochs * static_cast<double>(micro_per_epoch) /
                                                               static_cast<double>(o.gradient_accumulation)));
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

TrainResult Trainer::train() {
  TrainingPlan plan = make_training_plan(options_, examples_.size());
  PARE_CHECK(!options_.output_dir.empty(), "trainer: output_dir is required");
  for (const fs::path& file : options_.model_files) {
    PARE_CHECK(fs::is_regular_file(file), "trainer: model file '", file.string(), "' does not exist");
  }
  const fs::path out = options_.output_dir;
  const fs::path checkpoint_dir = out / "checkpoint";
  const fs::path best_dir = out / "best";
  std::error_code ec;
  fs::create_directories(out, ec);
  PARE_CHECK(!ec, "trainer: cannot create output directory '", out.string(), "': ", ec.message());
  recover_directory(checkpoint_dir);
  recover_directory(best_dir);

  NamedTensors params = model_->named_parameters();
  for (const auto& hook : hooks_) {
    for (auto& [name, t] : hook->parameters()) params.emplace_back("hooks." + hook->name() + "." + name, t);
  }
  std::vector<Tensor> all_params;
  for (const auto& [name, t] : params) all_params.push_back(t);
  AdamW optimizer(parameter_groups_for_weight_decay(params, options_.weight_decay), options_.lr);

  BatchSamplerOptions sampler_options;
  sampler_options.batch_size = options_.batch_size / static_cast<std::size_t>(options_.gradient_accumulation);
  sampler_options.bucket_batches = options_.bucket_batches;
  sampler_options.seed = options_.seed;
  BatchSampler sampler(token_lengths(examples_), sampler_options);
  Generator& dropout_gen = model_->bert().generator();
  Generator masking_gen(options_.seed + kMaskingSeedOffset);

  TrainerState state;
  if (options_.resume) {
    const fs::path state_file = checkpoint_dir / kTrainerStateFile;
    PARE_CHECK(fs::exists(state_file), "trainer: nothing to resume: '", state_file.string(), "' does not exist");
    const CheckpointTensors weights = read_checkpoint_tensors(checkpoint_dir);
    CheckpointLoadReport report;
    load_checkpoint_tensors(*model_, weights.tensors, weights.source, report);
    PARE_CHECK(report.initialised.empty(), "trainer: checkpoint '", checkpoint_dir.string(),
               "' does not hold this model's weights: ", report.summary());
    state = load_trainer_state(state_file);
    optimizer.load_state_dict(state.optimizer);
    sampler.set_state({state.data_seed, state.epoch, state.batches_in_epoch});
    for (const auto& [name, gen] :
         {std::pair<const char*, Generator*>{"dropout", &dropout_gen}, {"masking", &masking_gen}}) {
      const auto found = state.generators.find(name);
      PARE_CHECK(found != state.generators.end(), "trainer: '", state_file.string(), "' lacks the ", name,
                 " generator state");
      gen->set_state(found->second.seed, found->second.offset);
    }
    const fs::path hook_file = checkpoint_dir / kHookTensorsFile;
    std::optional<SafetensorsFile> hook_tensors;
    if (fs::exists(hook_file)) hook_tensors = SafetensorsFile::open(hook_file);
    for (const auto& hook : hooks_) {
      const nlohmann::json& hooks_json = state.extra.contains("hooks") ? state.extra["hooks"] : nlohmann::json();
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
  } else {
    PARE_CHECK(!fs::exists(checkpoint_dir), "trainer: '", out.string(),
               "' already holds a checkpoint; resume it or choose another output directory");
    dropout_gen.set_state(options_.seed + kDropoutSeedOffset, 0);
    state.data_seed = options_.seed;
  }
  plan.start_step = state.step;
  for (const auto& hook : hooks_) hook->on_train_begin(*model_, plan);

  const LinearWarmupDecay schedule(options_.lr, plan.warmup_steps, plan.total_steps);
  const std::string best_metric_name = options_.metric_for_best;
  MetricsLog metrics_log(out / "metrics.jsonl");
  std::optional<ProgressBar> bar;
  if (options_.progress_out != nullptr) {
    bar.emplace("train", plan.total_steps, options_.progress_out, options_.log_every);
  }
  std::optional<StopOnInterrupt> interrupt_guard;
  if (options_.stop_on_sigint) interrupt_guard.emplace();

  TrainResult result;
  result.total_steps = plan.total_steps;
  result.checkpoint_dir = checkpoint_dir;
  if (evaluator_) result.best_dir = best_dir;

  auto save_checkpoint = [&] {
    AtomicDirectory dir(checkpoint_dir);
    save_model_directory(*model_, dir.temp_path(), options_.model_files, WeightView::stored);
    TrainerState saved = state;
    const SamplerState position = sampler.state();
    saved.data_seed = position.seed;
    saved.epoch = position.epoch;
    saved.batches_in_epoch = position.position;
    saved.generators["dropout"] = {dropout_gen.seed(), dropout_gen.offset()};
    saved.generators["masking"] = {masking_gen.seed(), masking_gen.offset()};
    saved.optimizer = optimizer.state_dict();
    saved.extra["hooks"] = nlohmann::json::object();
    saved.extra["total_steps"] = plan.total_steps;
    NamedTensors hook_tensors;
    for (const auto& hook : hooks_) {
      saved.extra["hooks"][hook->name()] = hook->state();
      for (auto& [name, t] : hook->state_tensors()) hook_tensors.emplace_back(hook->name() + "." + name, t);
    }
    save_trainer_state(dir.temp_path() / kTrainerStateFile, saved);
    if (!hook_tensors.empty()) save_safetensors(dir.temp_path() / kHookTensorsFile, hook_tensors);
    dir.commit();
  };

  auto evaluate = [&] {
    const bool was_training = model_->is_training();
    model_->eval();
    std::vector<MetricValue> metrics;
    {
      NoGradGuard no_grad;
      metrics = evaluator_(*model_);
    }
    model_->train(was_training);
    PARE_CHECK(!metrics.empty(), "trainer: the evaluator returned no metrics");
    nlohmann::json record = {{"type", "eval"}, {"step", state.step}};
    for (const MetricValue& m : metrics) record[m.name] = m.value;
    metrics_log.write(record);
    const double value = metric_value(metrics, best_metric_name.empty() ? metrics.front().name : best_metric_name);
    const bool better = options_.greater_is_better ? value > state.best_metric : value < state.best_metric;
    if (std::isfinite(value) && (!state.has_best || better)) {
      state.has_best = true;
      state.best_metric = value;
      AtomicDirectory dir(best_dir);
      save_model_directory(*model_, dir.temp_path(), options_.model_files, WeightView::as_forward);
      dir.commit();
    }
    result.evaluations.push_back({state.step, std::move(metrics)});
  };

  model_->train();
  optimizer.zero_grad();
  const std::int64_t accumulation = options_.gradient_accumulation;
  const std::int64_t batches_per_epoch = static_cast<std::int64_t>(sampler.batches_per_epoch());
  double window_loss = 0.0;
  std::int64_t window_steps = 0;
  std::int64_t window_sequences = 0;
  Clock::time_point window_start = Clock::now();

  while (state.step < plan.total_steps && !stop_requested_) {
    const std::int64_t step = state.step;
    std::vector<Batch> batches;
    std::vector<std::int64_t> units;
    std::int64_t total_units = 0;
    std::int64_t sequences = 0;
    for (std::int64_t i = 0; i < accumulation; ++i) {
      const std::vector<std::size_t> indices = sampler.next();
      Batch batch = collate(examples_, indices, kind_, pad_id_);
      if (transform_) transform_(batch, masking_gen);
      PARE_CHECK(batch.labels.defined(), "trainer: a training batch has no labels (step ", step + 1, ")");
      units.push_back(loss_units(batch.labels));
      total_units += units.back();
      sequences += static_cast<std::int64_t>(indices.size());
      batches.push_back(std::move(batch));
    }

    double step_loss = 0.0;
    for (std::int64_t i = 0; i < accumulation; ++i) {
      if (units[i] == 0) continue;  // nothing to learn from (an MLM batch with no masked token)
      const Batch& batch = batches[i];
      const BertInputs inputs{batch.input_ids, batch.attention_mask, batch.token_type_ids};
      const BertOutputs outputs = model_->forward(inputs, batch.labels);
      // At weight 0 the task term stays out of the graph, so its head gets no gradient from it.
      Tensor loss;
      if (options_.task_loss_weight == 1.0) {
        loss = outputs.loss;
      } else if (options_.task_loss_weight != 0.0) {
        loss = scale(outputs.loss, options_.task_loss_weight);
      }
      for (const auto& hook : hooks_) {
        const Tensor extra = hook->extra_loss(MicroBatchView{step, i, inputs, batch.labels, outputs});
        if (extra.defined()) loss = loss.defined() ? add(loss, extra) : extra;
      }
      PARE_CHECK(loss.defined(), "trainer: task_loss_weight is 0 and no hook added a loss at step ", step + 1,
                 ", micro-batch ", i + 1, "; nothing to train on");
      const double value = loss.item();
      PARE_CHECK(std::isfinite(value), "trainer: non-finite loss (", value, ") at step ", step + 1, ", micro-batch ",
                 i + 1, " of ", accumulation,
                 "; stopped without saving this step (lower the learning rate or check the data)");
      const double weight = static_cast<double>(units[i]) / static_cast<double>(total_units);
      scale(loss, weight).backward();
      step_loss += value * weight;
    }
    for (const auto& hook : hooks_) hook->after_backward(step, *model_);
    const double max_norm =
        options_.max_grad_norm > 0 ? options_.max_grad_norm : std::numeric_limits<double>::infinity();
    const double grad_norm = clip_grad_norm(all_params, max_norm);
    PARE_CHECK(std::isfinite(grad_norm), "trainer: non-finite gradient norm (", grad_norm, ") at step ", step + 1,
               " (loss ", step_loss, "); stopped without saving this step (lower the learning rate or check the data)");
    const double lr = schedule.lr(step);
    optimizer.set_lr(lr);
    optimizer.step();
    optimizer.zero_grad();
    ++state.step;
    result.last_loss = step_loss;

    const StepInfo info{state.step, step_loss, grad_norm, lr, sequences};
    for (const auto& hook : hooks_) hook->after_step(info);
    if (interrupt_guard && StopOnInterrupt::requested()) stop_requested_ = true;

    window_loss += step_loss;
    ++window_steps;
    window_sequences += sequences;
    const bool last = state.step == plan.total_steps;
    if (state.step % options_.log_every == 0 || last || stop_requested_) {
      const double seconds = std::chrono::duration<double>(Clock::now() - window_start).count();
      const SamplerState position = sampler.state();
      nlohmann::json record = {
          {"type", "train"},
          {"step", state.step},
          {"loss", window_loss / static_cast<double>(window_steps)},
          {"lr", lr},
          {"grad_norm", grad_norm},
          {"seq_per_s", seconds > 0 ? static_cast<double>(window_sequences) / seconds : 0.0},
          {"epoch", static_cast<double>(position.epoch) +
                        static_cast<double>(position.position) / static_cast<double>(batches_per_epoch)}};
      for (const auto& hook : hooks_) {
        nlohmann::json fields = hook->log_fields();
        if (!fields.is_null()) record[hook->name()] = std::move(fields);
      }
      metrics_log.write(record);
      window_loss = 0.0;
      window_steps = 0;
      window_sequences = 0;
      window_start = Clock::now();
    }
    if (bar) {
      char status[48];
      std::snprintf(status, sizeof status, "loss %.4f", step_loss);
      bar->update(state.step, sequences, status);
    }
    if (evaluator_ && ((options_.eval_every > 0 && state.step % options_.eval_every == 0) || last)) evaluate();
    if ((options_.save_every > 0 && state.step % options_.save_every == 0) || last || stop_requested_) {
      save_checkpoint();
    }
  }
  if (bar) bar->finish();

  result.steps = state.step;
  result.stopped = state.step < plan.total_steps;
  result.has_best = state.has_best;
  result.best_metric = state.best_metric;
  stop_requested_ = false;
  return result;
}

}  // namespace pare
