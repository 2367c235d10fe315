// Trainer: the one training loop of pare, used by pretraining (MLM), fine-tuning and evaluation,
// and by pruning and distillation through TrainingHooks. A step runs `gradient_accumulation`
// micro-batches (forward, weighted task loss plus hooks' extra losses, backward), lets hooks read the
// gradients, clips them, and takes an AdamW step at a linearly warmed-up and decayed rate.
//
// The output directory holds:
//   metrics.jsonl   {"type":"train", step, loss, lr, grad_norm, seq_per_s, host_reads_per_step, epoch}
//                   every log_every steps (host_reads_per_step: device-to-host copies from a step's
//                   batches to its hooks' after_step, 0 on the CPU; with several ranks also ranks,
//                   all_reduce_s_per_step and all_reduce_bytes_per_step: the gradient sum's wall time
//                   and size) and {"type":"eval", step,
//                   <metric>: value, ...} after each evaluation
//   checkpoint/     the latest state: a model directory (config.json, model.safetensors, the files
//                   of TrainerOptions::model_files) plus trainer_state.safetensors (step, sampler
//                   position, generator states, best metric, optimizer moments, hook state) and
//                   hook_tensors.safetensors; replaced atomically, so it is always complete
//   best/           the model directory with the best evaluation so far (when there is an evaluator),
//                   its weights as the forward read them (pruning masks applied); checkpoint/ keeps
//                   the stored parameters, which a resumed run needs
// With `resume`, a run continues from checkpoint/ exactly: the losses of N steps, a stop, and N more
// steps are bit for bit those of 2N steps in one go.
//
// Data parallelism: when world() (runtime/distributed/world.h) has several ranks, each runs its rows
// of every micro-batch (train/batch_shard.h), the gradients are summed over the ranks before hooks
// read them, and evaluation is sharded; the global batch, its order and the optimizer's steps are
// those of one process. Rank 0 alone writes the output directory; the others read it on resume, so
// it must be on a filesystem every rank sees. Dropout draws from a stream of its own on each rank.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/batching.h"  // TokenizedExample, Batch
#include "data/metrics.h"   // MetricValue
#include "models/bert.h"
#include "runtime/precision.h"
#include "runtime/random.h"
#include "train/training_hook.h"

namespace pare {

struct TrainerOptions {
  // Length of the run: max_steps optimizer steps, or when 0, `epochs` passes over the data.
  std::int64_t max_steps = 0;
  double epochs = 1.0;
  std::size_t batch_size = 32;             // sequences per optimizer step
  std::int64_t gradient_accumulation = 1;  // micro-batches per step; divides batch_size
  double lr = 5e-5;
  std::int64_t warmup_steps = 0;  // when 0, warmup_ratio * total steps
  double warmup_ratio = 0.0;
  double weight_decay = 0.01;  // not on biases and LayerNorm weights
  double max_grad_norm = 1.0;  // <= 0: no clipping (the norm is still logged)
  // Multiplies the model's task loss in the training loss. Distillation sets it below 1 (NNI: 0.1)
  // or to 0 (CoFi), when hooks' losses carry the training; at 0 the task term is left out.
  double task_loss_weight = 1.0;
  std::int64_t eval_every = 0;  // steps; 0: only at the end
  std::int64_t log_every = 50;
  std::int64_t save_every = 0;     // steps; 0: only at the end (and when stopped)
  std::size_t bucket_batches = 0;  // length bucketing window of the sampler
  std::filesystem::path output_dir;
  std::uint64_t seed = 42;  // data order; dropout and masking seeds derive from it
  // The evaluation metric that picks best/; empty: the evaluator's first metric.
  std::string metric_for_best;
  bool greater_is_better = true;
  bool resume = false;
  // Copied into every saved model directory (tokenizer files, labels.txt).
  std::vector<std::filesystem::path> model_files;
  // What the run reads besides its model and data (a teacher, a pruning config): finetune() and
  // pretrain() refuse an output folder that holds, or lies inside, any input (train/output_folder.h).
  std::vector<std::filesystem::path> inputs;
  std::FILE* progress_out = stderr;  // null: no progress bar
  // What the progress line starts with ("stage 3/6 heads" in a pipeline).
  std::string progress_label = "train";
  bool stop_on_sigint = true;
  // Data-parallel training (several ranks in world()): every this many steps, and at the start and
  // the end, the ranks compare fingerprints of their parameters and hooks' state and stop with an
  // error naming the step when they differ; 0: only at the start and the end.
  std::int64_t replica_check_every = 100;
  // Settings that shape the run before the trainer sees it (the length the data was cut to, as
  // {"seq": 128}): kept in the checkpoint with the trainer's own and compared on resume, so that
  // a resume under other ones is refused naming them.
  nlohmann::json caller_settings = nlohmann::json::object();
  // Where the model trains: the Trainer moves it there, batches follow it, and hooks' tensors must be
  // there too (callers that make hooks move the model first). A step reads two numbers back to the
  // host, the loss and the gradient norm, plus whatever hooks read.
  Device device = Device::cpu();
  // What the training steps' matrix products compute in (runtime/precision.h); evaluation runs f32.
  Precision precision = Precision::f32;
};

// Metrics of the model on held-out data; called in eval mode with autograd off.
using Evaluator = std::function<std::vector<MetricValue>(const BertTaskModel& model)>;
// Changes a collated training batch before the forward (MLM corruption), drawing from `gen`, the
// trainer's "masking" generator, whose state the checkpoint keeps.
using BatchTransform = std::function<void(Batch& batch, Generator& gen)>;

struct EvalRecord {
  std::int64_t step = 0;
  std::vector<MetricValue> metrics;
};

struct TrainResult {
  std::int64_t steps = 0;        // steps taken in total (including those before a resume)
  std::int64_t total_steps = 0;  // the plan
  bool stopped = false;          // stopped early by SIGINT or request_stop()
  double last_loss = 0.0;
  std::vector<EvalRecord> evaluations;  // of this invocation
  bool has_best = false;
  double best_metric = 0.0;
  std::filesystem::path checkpoint_dir;
  std::filesystem::path best_dir;  // empty without an evaluator
};

class Trainer {
 public:
  Trainer(std::shared_ptr<BertTaskModel> model, TrainerOptions options);

  // Training examples (with labels unless a transform supplies them) and how to collate them.
  void set_train_data(std::vector<TokenizedExample> examples, TaskKind kind, std::int64_t pad_id);
  void set_batch_transform(BatchTransform transform);
  void set_evaluator(Evaluator evaluator);
  // Hooks run in the order added; names must be unique.
  void add_hook(std::shared_ptr<TrainingHook> hook);

  // Runs to the planned number of steps or until stopped; throws pare::Error on bad options or
  // data, on a micro-batch with no loss term (task_loss_weight 0 and no hook loss), and on a
  // non-finite loss or gradient norm, naming the step (nothing is saved then).
  TrainResult train();
  // Ends train() after the current step, with a checkpoint (what SIGINT does).
  void request_stop() { stop_requested_ = true; }

  BertTaskModel& model() { return *model_; }
  const TrainerOptions& options() const { return options_; }

 private:
  friend class TrainingRun;
  std::shared_ptr<BertTaskModel> model_;
  TrainerOptions options_;
  std::vector<TokenizedExample> examples_;
  TaskKind kind_ = TaskKind::classification;
  std::int64_t pad_id_ = 0;
  BatchTransform transform_;
  Evaluator evaluator_;
  std::vector<std::shared_ptr<TrainingHook>> hooks_;
  bool stop_requested_ = false;
};

// The plan's numbers for `num_examples` training examples: steps and warm-up. Throws on options
// that cannot work (batch_size not divisible by gradient_accumulation, no steps, ...).
TrainingPlan make_training_plan(const TrainerOptions& options, std::size_t num_examples);

}  // namespace pare
