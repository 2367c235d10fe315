// The training loop on a tiny BERT and synthetic data: exact resume, best checkpoint selection,
// non-finite loss detection, gradient accumulation, atomic checkpoints.
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "models/checkpoint.h"
#include "runtime/error.h"
#include "runtime/io/safetensors.h"
#include "runtime/ops/elementwise.h"
#include "runtime/ops/reduce.h"
#include "tests/test_support.h"
#include "tests/tiny_training.h"
#include "train/evaluate.h"
#include "train/metrics_log.h"
#include "train/run_lock.h"
#include "train/trainer_state.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kVocab = testing::kTinyVocab;

BertConfig tiny_config(double dropout, std::int64_t num_labels) {
  return testing::tiny_bert_config(2, num_labels, dropout);
}

std::vector<TokenizedExample> synthetic_examples(std::size_t n, std::uint64_t seed, TaskKind kind) {
  return testing::tiny_examples(n, seed, kind);
}

TrainerOptions quiet_options(const fs::path& out) {
  TrainerOptions o;
  o.output_dir = out;
  o.batch_size = 4;
  o.lr = 1e-2;
  o.warmup_steps = 2;
  o.log_every = 2;
  o.progress_out = nullptr;
  o.stop_on_sigint = false;
  o.seed = 7;
  return o;
}

// Records every step's loss, stops the trainer after `stop_at` steps, and brings a trainable scalar
// with a small penalty, so hook parameters and hook state go through the checkpoint too.
class RecordingHook : public TrainingHook {
 public:
  RecordingHook(Trainer* trainer, std::int64_t stop_at) : trainer_(trainer), stop_at_(stop_at) {
    w_ = Tensor::full({1}, 0.5);
    w_.requires_grad_(true);
  }
  std::string name() const override { return "recorder"; }
  NamedTensors parameters() const override { return {{"w", w_}}; }
  Tensor extra_loss(const MicroBatchView&) override {
    ++calls_;
    return scale(sum(mul(w_, w_)), 0.01);
  }
  void after_step(const StepInfo& info) override {
    losses.push_back(info.loss);
    if (info.step == stop_at_) trainer_->request_stop();
  }
  nlohmann::json log_fields() const override { return {{"calls", calls_}}; }
  nlohmann::json state() const override { return {{"calls", calls_}}; }
  void load_state(const nlohmann::json& state) override { calls_ = state.at("calls").get<std::int64_t>(); }
  StateDict state_tensors() const override { return {{"w", w_.detach()}}; }
  void load_state_tensors(const StateDict& tensors) override { w_.detach().copy_(tensors.at("w")); }

  std::vector<double> losses;
  std::int64_t calls_ = 0;
  Tensor w_;

 private:
  Trainer* trainer_;
  std::int64_t stop_at_;
};

struct RunOutcome {
  std::vector<double> losses;
  std::int64_t hook_calls = 0;
  float w = 0;
  TrainResult result;
};

// MLM (with the masking transform) or sequence classification, 8 steps with dropout on,
// accumulation 2 and an evaluation every 3 steps.
RunOutcome run_tiny(const fs::path& out, bool mlm, std::int64_t stop_at, bool resume, std::uint64_t init_seed) {
  const BertTask task = mlm ? BertTask::masked_lm : BertTask::sequence_classification;
  auto model = make_bert_model(tiny_config(0.1, 3), task, init_seed);
  TrainerOptions o = quiet_options(out);
  o.max_steps = 8;
  o.gradient_accumulation = 2;
  o.eval_every = 3;
  o.resume = resume;
  o.metric_for_best = "loss";
  o.greater_is_better = false;
  Trainer trainer(model, o);
  trainer.set_train_data(synthetic_examples(30, 1, mlm ? TaskKind::regression : TaskKind::classification),
                         TaskKind::classification, 0);
  const auto dev = synthetic_examples(12, 2, TaskKind::classification);
  const MlmMaskingOptions masking{0.3, 3, kVocab, {0, 1, 2}};
  if (mlm) {
    trainer.set_batch_transform([masking](Batch& batch, Generator& gen) {
      MlmBatch m = mask_tokens_for_mlm(batch.input_ids, batch.attention_mask, masking, gen);
      batch.input_ids = m.input_ids;
      batch.labels = m.labels;
    });
    trainer.set_evaluator([dev, masking](const BertTaskModel& m) { return evaluate_mlm(m, dev, masking, 5); });
  } else {
    const TaskInfo info = testing::tiny_classification_task();
    trainer.set_evaluator([dev, info](const BertTaskModel& m) { return evaluate_task(m, info, dev); });
  }
  auto hook = std::make_shared<RecordingHook>(&trainer, stop_at);
  trainer.add_hook(hook);
  RunOutcome outcome;
  outcome.result = trainer.train();
  outcome.losses = hook->losses;
  outcome.hook_calls = hook->calls_;
  outcome.w = hook->w_.to_vector<float>()[0];
  return outcome;
}

void expect_resume_is_exact(bool mlm) {
  testing::ScratchDir straight_dir(mlm ? "straight_mlm" : "straight"), split_dir(mlm ? "split_mlm" : "split");
  const RunOutcome straight = run_tiny(straight_dir.path(), mlm, -1, false, 3);
  ASSERT_EQ(straight.losses.size(), 8u);
  const RunOutcome first = run_tiny(split_dir.path(), mlm, 4, false, 3);
  EXPECT_TRUE(first.result.stopped);
  EXPECT_EQ(first.result.steps, 4);
  // The resume starts from the same model as the run (the checkpoint says which); everything after
  // must come from the checkpoint. Another starting model is refused.
  EXPECT_NE(
      testing::error_of([&] { run_tiny(split_dir.path(), mlm, -1, true, 99); }).find("starting_model: the run has"),
      std::string::npos);
  // A record of a step past the checkpoint (logged before a kill): the resumed run trains that step
  // again and logs it once.
  {
    std::ofstream log(split_dir.path() / "metrics.jsonl", std::ios::app);
    log << "{\"type\": \"train\", \"step\": 5, \"loss\": 1.0}\n{\"type\": \"tr";
  }
  const RunOutcome second = run_tiny(split_dir.path(), mlm, -1, true, 3);
  EXPECT_FALSE(second.result.stopped);
  auto logged_steps = [](const fs::path& dir) {
    std::vector<std::int64_t> steps;
    for (const auto& r : MetricsLog::read(dir / "metrics.jsonl")) steps.push_back(r.at("step").get<std::int64_t>());
    return steps;
  };
  EXPECT_EQ(logged_steps(split_dir.path()), logged_steps(straight_dir.path()));
  std::vector<double> joined = first.losses;
  joined.insert(joined.end(), second.losses.begin(), second.losses.end());
  ASSERT_EQ(joined.size(), straight.losses.size());
  for (std::size_t i = 0; i < joined.size(); ++i) EXPECT_EQ(joined[i], straight.losses[i]) << "step " << i + 1;
  EXPECT_EQ(second.hook_calls, straight.hook_calls);
  EXPECT_EQ(second.w, straight.w);
  EXPECT_EQ(second.result.best_metric, straight.result.best_metric);
  // Hooks' log fields land in each train record under the hook's name: 2 micro-batches per step.
  const auto records = MetricsLog::read(straight_dir.path() / "metrics.jsonl");
  ASSERT_FALSE(records.empty());
  for (const auto& r : records) {
    if (r.at("type") != "train") continue;
    EXPECT_EQ(r.at("recorder").at("calls"), 2 * r.at("step").get<std::int64_t>());
  }
  // Losses still change from step to step: the comparison above is not of constants.
  EXPECT_NE(straight.losses.front(), straight.losses.back());
}

TEST(Trainer, ResumeContinuesBitForBitClassification) { expect_resume_is_exact(false); }

TEST(Trainer, ResumeContinuesBitForBitMaskedLm) { expect_resume_is_exact(true); }

// An evaluator that reports scripted values and keeps a copy of a weight at each call.
struct ScriptedEvaluator {
  std::vector<double> values;
  std::shared_ptr<std::vector<std::vector<float>>> snapshots = std::make_shared<std::vector<std::vector<float>>>();
  std::vector<MetricValue> operator()(const BertTaskModel& model) const {
    const std::size_t i = snapshots->size();
    snapshots->push_back(model.state_dict().at("classifier.weight").to_vector<float>());
    return {{"score", values.at(i)}, {"other", 0.0}};
  }
};

std::vector<float> saved_classifier(const fs::path& dir) {
  return SafetensorsFile::open(dir / "model.safetensors").load("classifier.weight").to_vector<float>();
}

TEST(Trainer, BestCheckpointHoldsTheBestEvaluation) {
  for (const bool greater : {true, false}) {
    testing::ScratchDir dir(greater ? "best_max" : "best_min");
    auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1);
    TrainerOptions o = quiet_options(dir.path());
    o.max_steps = 4;
    o.eval_every = 1;
    o.metric_for_best = "score";
    o.greater_is_better = greater;
    Trainer trainer(model, o);
    trainer.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
    ScriptedEvaluator evaluator{{0.3, 0.7, 0.5, 0.2}};
    trainer.set_evaluator(evaluator);
    const TrainResult result = trainer.train();
    const std::size_t best = greater ? 1 : 3;
    EXPECT_TRUE(result.has_best);
    EXPECT_EQ(result.best_metric, evaluator.values[best]);
    ASSERT_EQ(evaluator.snapshots->size(), 4u);
    EXPECT_EQ(saved_classifier(result.best_dir), (*evaluator.snapshots)[best]);
    EXPECT_NE(saved_classifier(result.best_dir), (*evaluator.snapshots)[best == 1 ? 3 : 1]);
    EXPECT_EQ(saved_classifier(result.checkpoint_dir), evaluator.snapshots->back());
    // The best model loads as a model directory.
    EXPECT_EQ(load_pretrained(result.best_dir).model->task(), BertTask::sequence_classification);

    const auto records = MetricsLog::read(dir.path() / "metrics.jsonl");
    std::int64_t train_records = 0, eval_records = 0;
    for (const auto& r : records) {
      if (r["type"] == "train") {
        ++train_records;
        EXPECT_TRUE(r.contains("lr") && r.contains("grad_norm") && r.contains("seq_per_s") && r.contains("loss")) << r;
      } else {
        ++eval_records;
        EXPECT_EQ(r["score"].get<double>(), evaluator.values.at(static_cast<std::size_t>(eval_records - 1)));
      }
    }
    EXPECT_EQ(train_records, 2);  // log_every 2 over 4 steps
    EXPECT_EQ(eval_records, 4);
  }
}

class NanAtStep : public TrainingHook {
 public:
  explicit NanAtStep(std::int64_t step) : step_(step) {}
  std::string name() const override { return "nan"; }
  Tensor extra_loss(const MicroBatchView& batch) override {
    return Tensor::full({}, batch.step + 1 == step_ ? std::numeric_limits<double>::quiet_NaN() : 0.0);
  }

 private:
  std::int64_t step_;
};

// Sends itself `signal` after optimizer step `step`, as kill, a terminal or Ctrl-C would.
class SignalAtStep : public TrainingHook {
 public:
  SignalAtStep(int signal, std::int64_t step) : signal_(signal), step_(step) {}
  std::string name() const override { return "signal"; }
  void after_step(const StepInfo& info) override {
    if (info.step == step_) std::raise(signal_);
  }

 private:
  int signal_;
  std::int64_t step_;
};

TEST(Trainer, SigtermSighupAndSigintStopAfterTheStepWithACheckpoint) {
  for (int signal : {SIGTERM, SIGHUP, SIGINT}) {
    SCOPED_TRACE(signal);
    testing::ScratchDir dir("signal");
    auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1);
    TrainerOptions o = quiet_options(dir.path());
    o.max_steps = 6;
    o.stop_on_sigint = true;
    Trainer trainer(model, o);
    trainer.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
    trainer.add_hook(std::make_shared<SignalAtStep>(signal, 2));
    struct sigaction before {};
    sigaction(signal, nullptr, &before);
    const TrainResult result = trainer.train();
    EXPECT_TRUE(result.stopped);
    EXPECT_EQ(result.steps, 2);
    EXPECT_EQ(load_trainer_state(dir.path() / "checkpoint" / "trainer_state.safetensors").step, 2);
    // The handlers are gone with the run: the disposition from before is back.
    struct sigaction now {};
    sigaction(signal, nullptr, &now);
    EXPECT_EQ(now.sa_handler, before.sa_handler);
  }
}

TEST(Trainer, ResumeUnderOtherSettingsIsRefusedWithTheDifferences) {
  testing::ScratchDir dir("resume-settings");
  auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1);
  TrainerOptions o = quiet_options(dir.path());
  o.max_steps = 4;
  o.save_every = 2;
  {
    o.stop_on_sigint = true;
    Trainer stopping(model, o);
    stopping.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
    stopping.add_hook(std::make_shared<SignalAtStep>(SIGTERM, 2));
    ASSERT_TRUE(stopping.train().stopped);
  }
  TrainerOptions changed = o;
  changed.resume = true;
  changed.lr = o.lr * 2;
  changed.seed = o.seed + 1;
  Trainer resumed(make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 2), changed);
  resumed.set_train_data(synthetic_examples(12, 3, TaskKind::classification), TaskKind::classification, 0);
  const std::string error = testing::error_of([&] { resumed.train(); });
  EXPECT_NE(error.find("was made with other settings"), std::string::npos) << error;
  EXPECT_NE(error.find("lr: the run has"), std::string::npos) << error;
  EXPECT_NE(error.find("seed: the run has"), std::string::npos) << error;
  EXPECT_NE(error.find("training_examples: the run has 16, this command asks 12"), std::string::npos) << error;
  EXPECT_NE(error.find("hooks: the run has"), std::string::npos) << error;
  EXPECT_NE(error.find("training_data: the run has"), std::string::npos) << error;
  EXPECT_NE(error.find("starting_model: the run has"), std::string::npos) << error;

  // The same settings, data and starting model resume.
  TrainerOptions same = o;
  same.resume = true;
  Trainer again(make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1), same);
  again.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
  again.add_hook(std::make_shared<SignalAtStep>(SIGTERM, 100));
  EXPECT_EQ(again.train().steps, 4);
}

TEST(Trainer, NonFiniteLossIsReportedWithItsStepAndNothingBrokenIsSaved) {
  testing::ScratchDir dir("nan");
  auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1);
  TrainerOptions o = quiet_options(dir.path());
  o.max_steps = 6;
  o.save_every = 1;
  Trainer trainer(model, o);
  trainer.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
  trainer.add_hook(std::make_shared<NanAtStep>(3));
  try {
    trainer.train();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite loss (nan) at step 3"), std::string::npos) << e.what();
  }
  const TrainerState state = load_trainer_state(dir.path() / "checkpoint" / "trainer_state.safetensors");
  EXPECT_EQ(state.step, 2);
  const SafetensorsFile weights = SafetensorsFile::open(dir.path() / "checkpoint" / "model.safetensors");
  for (const std::string& name : weights.names()) {
    for (float v : weights.load(name).to_vector<float>()) ASSERT_TRUE(std::isfinite(v)) << name;
  }
}

// Gradients of step 0, by parameter name.
class GradientCapture : public TrainingHook {
 public:
  std::string name() const override { return "grads"; }
  void after_backward(std::int64_t step, BertTaskModel& model) override {
    if (step != 0) return;
    for (const auto& [name, p] : model.named_parameters()) {
      if (p.grad().defined()) grads[name] = p.grad().to_vector<float>();
    }
  }
  std::map<std::string, std::vector<float>> grads;
};

std::map<std::string, std::vector<float>> first_step_gradients(const fs::path& out, TaskKind kind,
                                                               std::int64_t accumulation) {
  const BertTask task = kind == TaskKind::tagging ? BertTask::token_classification : BertTask::sequence_classification;
  auto model = make_bert_model(tiny_config(0.0, kind == TaskKind::tagging ? 4 : 3), task, 5);
  TrainerOptions o = quiet_options(out);
  o.max_steps = 1;
  o.batch_size = 8;
  o.gradient_accumulation = accumulation;
  o.warmup_steps = 0;
  Trainer trainer(model, o);
  trainer.set_train_data(synthetic_examples(8, 4, kind), kind, 0);  // one batch: the same 8 examples
  auto capture = std::make_shared<GradientCapture>();
  trainer.add_hook(capture);
  trainer.train();
  return capture->grads;
}

TEST(Trainer, AccumulatedMicroBatchesEqualOneLargeBatch) {
  for (const TaskKind kind : {TaskKind::classification, TaskKind::tagging}) {
    testing::ScratchDir whole("accum_1"), parts("accum_4");
    const auto reference = first_step_gradients(whole.path(), kind, 1);
    const auto accumulated = first_step_gradients(parts.path(), kind, 4);
    ASSERT_EQ(reference.size(), accumulated.size());
    ASSERT_GT(reference.size(), 10u);
    double max_abs = 0;
    for (const auto& [name, g] : reference) {
      const auto& a = accumulated.at(name);
      ASSERT_EQ(g.size(), a.size()) << name;
      for (std::size_t i = 0; i < g.size(); ++i) {
        EXPECT_NEAR(a[i], g[i], 1e-5 + 1e-4 * std::abs(g[i])) << name << "[" << i << "]";
        max_abs = std::max(max_abs, static_cast<double>(std::abs(g[i])));
      }
    }
    EXPECT_GT(max_abs, 1e-3);  // real gradients, not zeros
  }
}

TEST(Trainer, CheckpointsAreAtomicAndAnInterruptedSwapIsRecovered) {
  testing::ScratchDir dir("atomic");
  // A run of 5 steps; the first is stopped by SIGTERM after step 3.
  auto run = [&](bool resume) {
    auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1);
    TrainerOptions o = quiet_options(dir.path());
    o.max_steps = 5;
    o.save_every = 1;
    o.eval_every = 2;
    o.resume = resume;
    o.stop_on_sigint = true;
    Trainer trainer(model, o);
    trainer.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
    trainer.add_hook(std::make_shared<SignalAtStep>(SIGTERM, resume ? 0 : 3));
    const auto dev = synthetic_examples(8, 2, TaskKind::classification);
    const TaskInfo info = testing::tiny_classification_task();
    trainer.set_evaluator([dev, info](const BertTaskModel& m) { return evaluate_task(m, info, dev); });
    return trainer.train();
  };
  EXPECT_TRUE(run(false).stopped);
  std::set<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir.path())) entries.insert(e.path().filename().string());
  EXPECT_EQ(entries, (std::set<std::string>{"best", "checkpoint", "metrics.jsonl"}));
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(dir.path() / "checkpoint")) files.insert(e.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"config.json", "model.safetensors", "trainer_state.safetensors"}));

  // A fresh run must not overwrite a checkpoint, nor an earlier run's best/ or log without one.
  EXPECT_THROW(run(false), Error);
  for (const char* earlier : {"best", "metrics.jsonl"}) {
    testing::ScratchDir other("earlier");
    fs::create_directories(other.path());
    fs::copy(dir.path() / earlier, other.path() / earlier, fs::copy_options::recursive);
    auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1);
    Trainer fresh(model, quiet_options(other.path()));
    fresh.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
    const std::string error = testing::error_of([&] { fresh.train(); });
    EXPECT_NE(error.find(std::string("already holds ") + earlier + " of an earlier run"), std::string::npos) << error;
  }

  // A process killed between the two renames of a checkpoint swap leaves only its old checkpoint
  // and a partial new one, under names of its own; the user's checkpoint.old and .tmp are theirs.
  const std::string killed = std::to_string(testing::dead_pid());
  fs::rename(dir.path() / "checkpoint", dir.path() / (".checkpoint.pare-old." + killed + ".1"));
  fs::create_directories(dir.path() / (".checkpoint.pare-tmp." + killed + ".0"));
  fs::create_directories(dir.path() / "checkpoint.old");
  fs::create_directories(dir.path() / "checkpoint.tmp");
  const TrainResult resumed = run(true);
  EXPECT_EQ(resumed.steps, 5);
  EXPECT_FALSE(fs::exists(dir.path() / (".checkpoint.pare-old." + killed + ".1")));
  EXPECT_FALSE(fs::exists(dir.path() / (".checkpoint.pare-tmp." + killed + ".0")));
  EXPECT_TRUE(fs::exists(dir.path() / "checkpoint.old"));
  EXPECT_TRUE(fs::exists(dir.path() / "checkpoint.tmp"));
  EXPECT_EQ(load_trainer_state(dir.path() / "checkpoint" / "trainer_state.safetensors").step, 5);
}

// A run killed before its first checkpoint left only its log: --resume starts it again from step 0
// (the same steps) instead of refusing both a resume and a fresh start; a folder without any trace
// of a run has nothing to resume.
TEST(Trainer, AResumeBeforeTheFirstCheckpointStartsAgainFromStepZero) {
  testing::ScratchDir dir("resume-from-start");
  fs::create_directories(dir.path());
  auto train = [&](bool resume) {
    TrainerOptions o = quiet_options(dir.path());
    o.max_steps = 3;
    o.log_every = 1;
    o.resume = resume;
    Trainer trainer(make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1), o);
    trainer.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
    return trainer.train();
  };
  EXPECT_NE(testing::error_of([&] { train(true); }).find("nothing to resume"), std::string::npos);
  testing::write_bytes(dir.path() / "metrics.jsonl", "{\"type\": \"train\", \"step\": 1, \"loss\": 9.0}\n");
  EXPECT_EQ(train(true).steps, 3);
  std::vector<std::int64_t> steps;
  for (const auto& r : MetricsLog::read(dir.path() / "metrics.jsonl")) {
    if (r.at("type") == "train") steps.push_back(r.at("step").get<std::int64_t>());
  }
  EXPECT_EQ(steps, (std::vector<std::int64_t>{1, 2, 3}));
}

// A folder another process is training into (its lock held) is refused, naming that process.
TEST(Trainer, RefusesAFolderAnotherRunHolds) {
  testing::ScratchDir dir("locked");
  fs::create_directories(dir.path());
  const RunLock held = RunLock::acquire(dir.path(), "pare run");
  auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 1);
  Trainer trainer(model, quiet_options(dir.path()));
  trainer.set_train_data(synthetic_examples(16, 3, TaskKind::classification), TaskKind::classification, 0);
  const std::string error = testing::error_of([&] { trainer.train(); });
  EXPECT_NE(error.find("is in use by another pare process (pid " + std::to_string(::getpid())), std::string::npos)
      << error;
  EXPECT_FALSE(fs::exists(dir.path() / "checkpoint"));
}

// The task loss enters scaled by task_loss_weight; at 0 it is left out, so only hook losses train.
TEST(Trainer, TaskLossWeightScalesOrDropsTheTaskTerm) {
  auto first_step_loss = [](double weight) {
    testing::ScratchDir dir("task_weight_" + std::to_string(weight));
    auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 5);
    TrainerOptions o = quiet_options(dir.path());
    o.max_steps = 1;
    o.warmup_steps = 0;
    o.task_loss_weight = weight;
    Trainer trainer(model, o);
    trainer.set_train_data(synthetic_examples(8, 4, TaskKind::classification), TaskKind::classification, 0);
    return trainer.train().last_loss;
  };
  const double full = first_step_loss(1.0);
  EXPECT_GT(full, 0.5);  // about ln 3 for a fresh 3-class head
  EXPECT_NEAR(first_step_loss(0.25), 0.25 * full, 1e-6 * full);

  testing::ScratchDir dir("task_weight_zero");
  auto model = make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 5);
  const StateDict before = model->state_dict();
  std::map<std::string, std::vector<float>> initial;
  for (const auto& [name, t] : before) initial[name] = t.to_vector<float>();
  TrainerOptions o = quiet_options(dir.path());
  o.max_steps = 3;
  o.weight_decay = 0.0;
  o.task_loss_weight = 0.0;
  Trainer trainer(model, o);
  trainer.set_train_data(synthetic_examples(12, 4, TaskKind::classification), TaskKind::classification, 0);
  auto hook = std::make_shared<RecordingHook>(&trainer, -1);
  trainer.add_hook(hook);
  const TrainResult result = trainer.train();
  ASSERT_EQ(hook->losses.size(), 3u);
  // The step loss is the hook's penalty alone (0.01 w^2 with w as it was before the last step).
  EXPECT_LT(hook->losses.back(), 0.01 * 0.5 * 0.5 + 1e-7);
  EXPECT_NE(hook->w_.to_vector<float>()[0], 0.5f);
  for (const auto& [name, t] : model->state_dict()) EXPECT_EQ(t.to_vector<float>(), initial[name]) << name;
  EXPECT_EQ(result.steps, 3);

  // With no hook there is nothing to train on.
  testing::ScratchDir empty_dir("task_weight_no_hook");
  TrainerOptions bare = quiet_options(empty_dir.path());
  bare.max_steps = 1;
  bare.warmup_steps = 0;
  bare.task_loss_weight = 0.0;
  Trainer lonely(make_bert_model(tiny_config(0.0, 3), BertTask::sequence_classification, 5), bare);
  lonely.set_train_data(synthetic_examples(8, 4, TaskKind::classification), TaskKind::classification, 0);
  try {
    lonely.train();
    ADD_FAILURE() << "a run with task_loss_weight 0 and no hook trained";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("task_loss_weight is 0"), std::string::npos) << e.what();
  }
  bare.task_loss_weight = -1.0;
  EXPECT_THROW(make_training_plan(bare, 8), Error);
}

TEST(Trainer, BadOptionsAreRefusedWithTheirName) {
  TrainerOptions o;
  o.batch_size = 6;
  o.gradient_accumulation = 4;
  EXPECT_THROW(make_training_plan(o, 10), Error);
  o.gradient_accumulation = 2;
  o.epochs = 2;
  const TrainingPlan plan = make_training_plan(o, 10);  // micro-batches of 3: 4 per epoch, 2 per step
  EXPECT_EQ(plan.steps_per_epoch, 2);
  EXPECT_EQ(plan.total_steps, 4);
  o.warmup_ratio = 0.5;
  EXPECT_EQ(make_training_plan(o, 10).warmup_steps, 2);
  EXPECT_THROW(make_training_plan(o, 0), Error);
  o.epochs = 1e30;
  EXPECT_NE(testing::error_of([&] { make_training_plan(o, 10); }).find("1e+30 epochs of 10 examples make 2e+30 steps"),
            std::string::npos);
  o.epochs = 2;
  o.max_grad_norm = -1;
  EXPECT_NE(testing::error_of([&] { make_training_plan(o, 10); }).find("max_grad_norm must not be negative"),
            std::string::npos);
  o.max_grad_norm = 1;
  o.lr = 0;
  EXPECT_THROW(make_training_plan(o, 10), Error);
}

}  // namespace
}  // namespace pare
