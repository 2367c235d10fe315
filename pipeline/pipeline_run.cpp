#include "pipeline/pipeline_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "pipeline/distilled_pruning.h"
#include "pipeline/onnx_step.h"
#include "pipeline/run_preflight.h"
#include "pipeline/run_report.h"
#include "pipeline/stage_measurement.h"
#include "prune/prune_task.h"
#include "prune/quantize_directory.h"
#include "prune/speedup_directory.h"
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/json_file.h"
#include "runtime/json_differences.h"
#include "runtime/storage.h"  // release_cached_cpu_memory
#include "train/corpus_tokenizer.h"
#include "train/finetune.h"
#include "train/interrupt.h"
#include "train/output_folder.h"
#include "train/pretrain.h"
#include "train/run_lock.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kRunFile = "run.json";
constexpr const char* kStageFile = "stage.json";

// Every attention head of every layer, by the magnitude of its output projection (all go at once).
PruningConfig all_heads_config() {
  const json groups = json::parse(R"([{
    "op_names": ["bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.output\\.dense\\.weight"],
    "op_types": ["linear"], "scorer": "magnitude", "sparse_ratio": 0.99, "granularity": "head",
    "ranking": "per_layer", "warmup_steps": 0, "cooldown_begin_step": 1}])");
  return PruningConfig::from_json(groups, "attention-removed baseline");
}

std::string stage_label(int k, int n, const std::string& name) {
  return "stage " + std::to_string(k) + "/" + std::to_string(n) + " " + name;
}

// A run folder that holds its run.json and nothing else (its lock aside) stopped before any stage
// began, on a mistake in its inputs: there is nothing to keep, so a new run may take the folder.
bool holds_only_run_record(const fs::path& out) {
  for (const auto& entry : fs::directory_iterator(out)) {
    const fs::path name = entry.path().filename();
    if (name != kRunFile && name != RunLock::kFileName) return false;
  }
  return true;
}

// Each finished stage records the options it was made under: a run.json edited since (its seq, a
// stage's steps) would mix two runs, so it is refused naming each difference.
void check_finished_stages(const fs::path& out, const json& asked) {
  for (const auto& entry : fs::directory_iterator(out)) {
    const fs::path record_file = entry.path() / kStageFile;
    if (!fs::exists(record_file)) continue;
    const json record = read_stage_record(record_file);
    if (!record.contains("options")) continue;  // a record of an earlier pare
    const std::vector<std::string> differences = json_differences(record.at("options"), asked);
    if (differences.empty()) continue;
    std::string list;
    for (const std::string& d : differences) list += "\n  " + d;
    throw Error(record_file.string() + " was made under other options than " + (out / kRunFile).string() +
                " now holds, so the run cannot continue under these:" + list +
                "\nrestore run.json as it was, or start a new run with another --out");
  }
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

class PipelineRun {
 public:
  explicit PipelineRun(const PipelineOptions& options) : o_(options), out_(options.out) {}

  PipelineResult run(bool resume);

 private:
  void open_directory(bool resume);
  void take_lock();
  int count_steps() const;
  bool done(const std::string& dir) const { return fs::exists(out_ / dir / kStageFile); }
  void finish(const std::string& dir, json record);
  // A step's directory, ready to train into: resumed from its checkpoint, or started afresh.
  bool prepare_training_dir(const std::string& dir);
  TrainerOptions trainer(const TrainingBlock& block, const std::string& dir, const std::string& label);
  FinetuneOptions finetune(const fs::path& model, const TrainingBlock& block, const std::string& dir,
                           const std::string& label);
  MeasureOptions measure_options() const;
  void note(const std::string& line) const {
    if (o_.progress != nullptr && writes_results()) std::fprintf(o_.progress, "%s\n", line.c_str());
  }

  fs::path pretrain_steps();  // returns the pretrained model
  bool teacher_step(const fs::path& model);
  bool attention_removed_step();
  // One pruning stage from `input`; false when interrupted.
  bool prune_step(const PruneStage& stage, const std::string& dir, const fs::path& input);
  // The int8 stage: `f32_dir`'s compact model quantized and measured.
  void int8_step(const std::string& f32_dir);
  // The onnx step: `model` (the run's final f32 model, `from` as the report names it) exported and
  // checked by ONNX Runtime.
  void onnx_step(const fs::path& model, const std::string& from);
  void write_report();

  const PipelineOptions& o_;
  fs::path out_;
  // Held for the run: a second pare run on the same folder is refused, naming this one.
  std::optional<RunLock> lock_;
  int step_ = 0, steps_ = 0;
  fs::path teacher_;
  std::string stopped_in_;
  json report_;
  bool has_test_ = false;  // read once: every measurement evaluates the same splits
};

void PipelineRun::open_directory(bool resume) {
  check_run_before_training(o_);
  const json asked = options_json(o_);
  const fs::path run_file = out_ / kRunFile;
  if (fs::is_directory(out_)) take_lock();
  const bool restart = fs::exists(run_file) && holds_only_run_record(out_);
  if (fs::exists(run_file) && !restart) {
    PARE_CHECK(resume, out_.string(), " already holds a pare run; continue it with `pare run --resume ", out_.string(),
               "`, or give another --out (pare never overwrites a run)");
    const std::vector<std::string> differences = json_differences(read_json_file(run_file, "run record"), asked);
    if (!differences.empty()) {
      std::string list;
      for (const std::string& d : differences) list += "\n  " + d;
      throw Error(out_.string() + " holds a run made with other options, so it cannot continue under these:" + list +
                  "\nresume it as it was (`pare run --resume " + out_.string() + "`) or give another --out");
    }
    check_finished_stages(out_, asked);
    note("resuming " + out_.string());
    return;
  }
  PARE_CHECK(restart || !resume, "nothing to resume: ", run_file.string(), " does not exist");
  // Inputs never inside the run (stages would write next to them) nor around it; emptiness below.
  check_output_folder(
      out_,
      {o_.model_dir, o_.data.user.train, o_.data.user.dev, o_.data.user.test, o_.data.glue_dir, o_.data.brown_dir},
      true, "pare run");
  if (restart) {
    note(out_.string() + " holds a run that stopped before any stage began: it starts again with these options");
  }
  PARE_CHECK(restart || !fs::exists(out_) || (fs::is_directory(out_) && folder_is_empty(out_)), out_.string(),
             " exists and is not a pare run; give a new or empty directory as --out (pare writes nothing into "
             "folders it did not make)");
  fs::create_directories(out_);
  if (!lock_) take_lock();
  write_file_atomically(run_file, asked.dump(2) + "\n");
}

void PipelineRun::take_lock() {
  lock_.emplace(RunLock::acquire(out_, "pare run"));
  if (!lock_->taken_over().empty()) note(lock_->taken_over());
}

int PipelineRun::count_steps() const {
  int n = 1;  // the teacher
  if (o_.model_dir.empty()) n += 2;
  if (o_.recipe.attention_removed.steps > 0 && o_.sweep_regular_scales.empty()) ++n;
  n += o_.sweep_regular_scales.empty() ? static_cast<int>(o_.recipe.stages.size())
                                       : static_cast<int>(o_.sweep_regular_scales.size());
  if (o_.recipe.int8 && o_.sweep_regular_scales.empty()) ++n;
  if (o_.recipe.onnx && o_.sweep_regular_scales.empty()) ++n;
  return n;
}

void PipelineRun::finish(const std::string& dir, json record) {
  record["dir"] = dir;
  record["options"] = options_json(o_);  // compared on resume (check_finished_stages)
  write_file_atomically(out_ / dir / kStageFile, record.dump(2) + "\n");
  // The next stage has other shapes: buffers cached for this one would only hold memory.
  release_cached_cpu_memory();
  if (!record.contains("measurement") || o_.progress == nullptr) return;
  const json& m = record.at("measurement");
  const json& size = m.at("size");
  std::string metrics;
  for (const auto& [name, value] : m.at("dev").items()) {
    if (name != "loss") metrics += " " + name + " " + std::to_string(value.get<double>()).substr(0, 6);
  }
  std::fprintf(o_.progress,
               "stage %d/%d %s done in %.0f s: dev%s | encoder %.1f%% removed | %.1f seq/s at batch 32, %.2f ms at "
               "batch 1\n",
               step_, steps_, record.at("name").get<std::string>().c_str(), record.at("wall_s").get<double>(),
               metrics.c_str(), 100.0 * (1.0 - size.at("ratios").at("encoder").get<double>()),
               m.at("throughput_b32").get<double>(), m.at("latency_b1_ms").get<double>());
}

bool PipelineRun::prepare_training_dir(const std::string& dir) {
  const fs::path path = out_ / dir;
  const bool resume = fs::exists(path / "checkpoint" / "trainer_state.safetensors");
  // Stopped before its first checkpoint: nothing of it is worth keeping, and pare made all of it.
  on_rank_zero_alone([&] {
    if (!resume) fs::remove_all(path);
  });
  return resume;
}

TrainerOptions PipelineRun::trainer(const TrainingBlock& block, const std::string& dir, const std::string& label) {
  TrainerOptions t;
  t.output_dir = out_ / dir;
  t.resume = prepare_training_dir(dir);
  t.max_steps = block.steps;
  t.epochs = 0;
  t.lr = block.lr;
  t.warmup_ratio = block.warmup_ratio;
  t.batch_size = block.batch;
  t.seed = o_.seed;
  t.save_every = o_.recipe.save_every;
  t.log_every = std::max<std::int64_t>(1, block.steps / 20);  // points enough for the report's curves
  t.device = o_.device;
  t.precision = o_.precision;
  t.progress_out = o_.progress;
  t.progress_label = label;
  return t;
}

FinetuneOptions PipelineRun::finetune(const fs::path& model, const TrainingBlock& block, const std::string& dir,
                                      const std::string& label) {
  FinetuneOptions f;
  f.model_dir = model;
  f.data = o_.data;
  f.max_length = o_.recipe.seq;
  f.eval_batch_size = o_.recipe.eval_batch;
  f.max_train_examples = o_.max_train;
  f.max_eval_examples = o_.max_eval;
  f.trainer = trainer(block, dir, label);
  return f;
}

MeasureOptions PipelineRun::measure_options() const {
  MeasureOptions m;
  m.data = o_.data;
  m.seq = o_.recipe.seq;
  m.eval_batch = o_.recipe.eval_batch;
  m.max_eval = o_.max_eval;
  m.latency_steps = o_.latency_steps;
  m.throughput_steps = o_.throughput_steps;
  m.device = o_.device;
  m.evaluate_test = has_test_;
  return m;
}

fs::path PipelineRun::pretrain_steps() {
  const PretrainBlock& p = o_.recipe.pretrain;
  const fs::path tokenizer = out_ / "tokenizer";
  ++step_;
  if (!done("tokenizer")) {
    on_rank_zero_alone([&] {
      const auto start = Clock::now();
      note(stage_label(step_, steps_, "tokenizer") + ": sentencepiece vocabulary of " + std::to_string(p.vocab_size) +
           " pieces on Brown's training split");
      fs::remove_all(tokenizer);
      SentencePieceTrainingOptions spm;
      spm.vocab_size = p.vocab_size;
      spm.output_prefix = tokenizer / "spiece";
      try {
        train_corpus_tokenizer({"brown"}, o_.data.brown_dir, spm);
      } catch (const Interrupted&) {
        stopped_in_ = "tokenizer";  // nothing of it kept: a resumed run trains it again
        return;
      }
      finish("tokenizer", {{"name", "tokenizer"}, {"kind", "tokenizer"}, {"wall_s", seconds_since(start)}});
    });
    // Every rank stops where rank 0 did.
    if (all_reduce(world(), stopped_in_.empty() ? 0.0 : 1.0, ReduceOp::max) != 0.0) {
      stopped_in_ = "tokenizer";
      return {};
    }
  }
  ++step_;
  if (!done("pretrain")) {
    const auto start = Clock::now();
    PretrainOptions pretrain;
    pretrain.size = p.size;
    pretrain.tokenizer = tokenizer;
    pretrain.brown_dir = o_.data.brown_dir;
    pretrain.max_length = p.seq;
    pretrain.trainer = trainer(p.train, "pretrain", stage_label(step_, steps_, "pretrain"));
    pretrain.trainer.metric_for_best = "loss";
    pretrain.trainer.greater_is_better = false;
    const TrainResult r = pare::pretrain(pretrain);
    if (r.stopped) {
      stopped_in_ = "pretrain";
      return {};
    }
    on_rank_zero_alone([&] {
      finish("pretrain", {{"name", "pretrain"},
                          {"kind", "pretrain"},
                          {"model", "pretrain/best"},
                          {"mlm_loss", r.best_metric},
                          {"wall_s", seconds_since(start)}});
    });
  }
  return out_ / "pretrain" / "best";
}

bool PipelineRun::teacher_step(const fs::path& model) {
  ++step_;
  teacher_ = o_.finetuned ? model : out_ / "teacher" / "best";
  if (done("teacher")) return true;
  const auto start = Clock::now();
  json record = {{"name", "teacher"}, {"kind", "teacher"}};
  if (o_.finetuned) {
    note(stage_label(step_, steps_, "teacher") + ": " + model.string() + " as fine-tuned");
    record["model"] = fs::absolute(model).string();  // outside the run: the report reads it from anywhere
  } else {
    const TrainResult r = pare::finetune(
        finetune(model, o_.recipe.teacher, "teacher", stage_label(step_, steps_, "teacher (fine-tuning)")));
    if (r.stopped) {
      stopped_in_ = "teacher";
      return false;
    }
    record["model"] = "teacher/best";
  }
  on_rank_zero_alone([&] {
    fs::create_directories(out_ / "teacher");
    record["trivial"] = {{"dev", trivial_baseline(o_.data, Split::dev)}, {"test", nullptr}};
    if (has_test_) record["trivial"]["test"] = trivial_baseline(o_.data, Split::test);
    record["measurement"] = measure_model_dir(teacher_, teacher_, measure_options());
    record["wall_s"] = seconds_since(start);
    finish("teacher", record);
  });
  return true;
}

bool PipelineRun::attention_removed_step() {
  ++step_;
  const std::string dir = "attention-removed";
  if (done(dir)) return true;
  const auto start = Clock::now();
  PruneTaskOptions p;
  p.finetune =
      finetune(teacher_, o_.recipe.attention_removed, dir, stage_label(step_, steps_, "attention removed (baseline)"));
  p.config = all_heads_config();
  const PruneTaskResult r = prune_on_task(p);
  if (r.train.stopped) {
    stopped_in_ = dir;
    return false;
  }
  on_rank_zero_alone([&] {
    // overwrite: a compact/ left by a run stopped before its stage.json is pare's own, and complete.
    speedup_directory(r.model_dir, r.masks_file, out_ / dir / "compact", o_.device, true);
    json record = {{"name", "attention removed"}, {"kind", "baseline"}, {"model", dir + "/compact"}};
    record["measurement"] = measure_model_dir(out_ / dir / "compact", teacher_, measure_options());
    record["wall_s"] = seconds_since(start);
    finish(dir, record);
  });
  return true;
}

bool PipelineRun::prune_step(const PruneStage& stage, const std::string& dir, const fs::path& input) {
  ++step_;
  if (done(dir)) return true;
  const auto start = Clock::now();
  PruneTaskOptions p;
  p.finetune = finetune(input, stage.train, dir, stage_label(step_, steps_, stage.name));
  p.config = stage.pruning;
  p.pruner.score_lr = stage.score_lr;
  if (stage.distill.enabled) {
    DistillationOptions d = stage.distill.options;
    d.seed = o_.seed;
    d.device = o_.device;
    add_distillation(p, teacher_, d, stage.distill.task_weight);
  }
  const PruneTaskResult r = prune_on_task(p);
  if (r.train.stopped) {
    stopped_in_ = dir;
    return false;
  }
  on_rank_zero_alone([&] {
    const SpeedupDirectoryResult compact =
        speedup_directory(r.model_dir, r.masks_file, out_ / dir / "compact", o_.device, true);
    json record = {{"name", stage.name},
                   {"kind", "prune"},
                   {"model", dir + "/compact"},
                   {"masked_fraction", r.sparsity.value("masked_fraction", 0.0)},
                   {"parameters_removed", compact.parameters_before - compact.parameters_after}};
    record["measurement"] = measure_model_dir(out_ / dir / "compact", teacher_, measure_options());
    record["wall_s"] = seconds_since(start);  // training, surgery and measurement
    finish(dir, record);
  });
  return true;
}

void PipelineRun::int8_step(const std::string& f32_dir) {
  ++step_;
  const std::string dir = "int8";
  if (done(dir)) return;
  if (o_.device.is_cuda()) {
    // Nothing to measure the int8 model on where the others were measured.
    note(stage_label(step_, steps_, "int8") + ": skipped, pare has no int8 kernels for " + o_.device.str() +
         " yet (`pare quantize` and a CPU `pare bench` measure it)");
    return;
  }
  on_rank_zero_alone([&] {
    const auto start = Clock::now();
    note(stage_label(step_, steps_, "int8") + ": " + f32_dir + "/compact quantized (int8 weights and activations)");
    fs::create_directories(out_ / dir);
    QuantizeDirectoryOptions quantize;
    quantize.overwrite = true;  // a model/ left by a run stopped before its stage.json is pare's own
    const QuantizeDirectoryResult q = quantize_directory(out_ / f32_dir / "compact", out_ / dir / "model", quantize);
    json record = {{"name", "int8"},
                   {"kind", "int8"},
                   {"model", dir + "/model"},
                   {"f32_dir", f32_dir},
                   {"weight_bytes", q.bytes_after},
                   {"f32_weight_bytes", q.bytes_before}};
    record["measurement"] = measure_model_dir(out_ / dir / "model", teacher_, measure_options());
    record["wall_s"] = seconds_since(start);
    finish(dir, record);
  });
}

void PipelineRun::onnx_step(const fs::path& model, const std::string& from) {
  ++step_;
  const std::string dir = "onnx";
  if (done(dir)) return;
  const std::string label = stage_label(step_, steps_, "onnx");
  if (!onnx_export_available()) {
    note(label + ": skipped, this pare was built without libonnx (apt-get install libonnx-dev, then rebuild)");
    return;
  }
  on_rank_zero_alone([&] {
    const auto start = Clock::now();
    note(label + ": " + from + " exported to " + dir + "/final.onnx and checked by ONNX Runtime");
    fs::create_directories(out_ / dir);
    OnnxStepOptions onnx;
    onnx.model_dir = model;
    onnx.out = out_ / dir / "final.onnx";
    onnx.data = o_.data;
    onnx.seq = o_.recipe.seq;
    json record = export_and_check_onnx(onnx);
    record["name"] = "onnx";
    record["kind"] = "onnx";
    record["model"] = dir + "/final.onnx";
    record["from"] = from;
    record["wall_s"] = seconds_since(start);
    note(label + " done in " + std::to_string(static_cast<int>(std::lround(record.at("wall_s").get<double>()))) +
         " s: " + onnx_summary(record));
    finish(dir, record);
  });
}

void PipelineRun::write_report() {
  on_rank_zero_alone([&] { report_ = write_run_report(out_, o_); });
}

PipelineResult PipelineRun::run(bool resume) {
  on_rank_zero_alone([&] { open_directory(resume); });
  // A signal between training steps (tokenizer, surgery, measurement) stops the run after the
  // step at hand, whose record is then complete; on every rank, if it reached any.
  const StopOnInterrupt stop_guard;
  auto go_on = [this](bool step_completed, const std::string& dir) {
    if (!step_completed) return false;
    if (all_reduce(world(), StopOnInterrupt::requested() ? 1.0 : 0.0, ReduceOp::max) == 0.0) return true;
    stopped_in_ = dir;
    return false;
  };
  steps_ = count_steps();
  has_test_ = has_labelled_split(o_.data, Split::test);
  fs::path model = o_.model_dir;
  bool completed = true;
  if (model.empty()) {
    model = pretrain_steps();
    completed = go_on(!model.empty(), "pretrain");
  }
  completed = completed && go_on(teacher_step(model), "teacher");
  if (completed && o_.sweep_regular_scales.empty()) {
    if (o_.recipe.attention_removed.steps > 0) completed = go_on(attention_removed_step(), "attention-removed");
    fs::path input = teacher_;
    std::string last;
    for (std::size_t i = 0; completed && i < o_.recipe.stages.size(); ++i) {
      const PruneStage& stage = o_.recipe.stages[i];
      last = std::to_string(i + 1) + "-" + stage.name;
      completed = prune_step(stage, last, input);
      if (completed) write_report();
      completed = go_on(completed, last);
      input = out_ / last / "compact";
    }
    if (completed && o_.recipe.int8) {
      int8_step(last);
      completed = go_on(true, "int8");
    }
    if (completed && o_.recipe.onnx) {
      onnx_step(last.empty() ? teacher_ : out_ / last / "compact", last.empty() ? "teacher" : last + "/compact");
      completed = go_on(true, "onnx");
    }
  } else if (completed) {
    for (std::size_t i = 0; completed && i < o_.sweep_regular_scales.size(); ++i) {
      PruneStage stage = o_.recipe.stages.front();
      for (PruningGroup& g : stage.pruning.groups) g.schedule.regular_scale = o_.sweep_regular_scales[i];
      std::ostringstream dir, name;
      dir << "sweep-rs" << o_.sweep_regular_scales[i];
      name << "regular_scale " << o_.sweep_regular_scales[i];
      stage.name = name.str();
      completed = prune_step(stage, dir.str(), teacher_);
      if (completed) write_report();
      completed = go_on(completed, dir.str());
    }
  }
  PipelineResult result;
  result.interrupted = !completed;
  result.stopped_in = stopped_in_;
  if (completed) {
    write_report();
    if (o_.progress != nullptr && writes_results()) {
      std::fprintf(o_.progress, "\n%s%s", stage_table(report_).c_str(), slower_than_teacher(report_).c_str());
    }
  }
  result.report = report_;
  return result;
}

}  // namespace

PipelineResult run_pipeline(const PipelineOptions& options, bool resume) {
  PARE_CHECK(!options.out.empty(), "pare run: give the run directory (--out)");
  return PipelineRun(options).run(resume);
}

PipelineOptions load_run_options(const fs::path& run_dir) {
  const fs::path file = run_dir / kRunFile;
  PARE_CHECK(fs::exists(file), "nothing to resume: ", file.string(), " does not exist");
  PipelineOptions o = options_from_json(read_json_file(file, "run record"), file.string());
  o.out = run_dir;
  return o;
}

}  // namespace pare
