// pare distill: a student model directory trained on a task against a frozen teacher (prediction-
// layer KL, task loss and layer-wise hidden-state MSE under a dynamic layer map), printing the
// run's JSON summary on stdout as pare finetune does.
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/distillation_flags.h"
#include "cli/training_options.h"  // TrainFlags, TaskFlags, finetune_options, report
#include "distill/distill_task.h"

namespace pare::cli {

void add_distill_command(CLI::App& app) {
  struct Args {
    TrainFlags train;
    TaskFlags task;
    DistillationFlags distill;
    std::string student;
  };
  auto args = std::make_shared<Args>();
  args->train.lr = 5e-5;
  args->train.warmup_ratio = 0.1;
  CLI::App* cmd = app.add_subcommand("distill", "Train a student model directory against a frozen teacher on a task");
  cmd->add_option("--student", args->student, "student model directory (config.json, weights, tokenizer)")->required();
  add_distillation_flags(cmd, args->distill, true);
  add_task_flags(cmd, args->task);
  add_train_flags(cmd, args->train);
  cmd->callback([args] {
    DistillTaskOptions o;
    o.finetune = finetune_options(args->student, args->task, args->train);
    o.finetune.trainer.task_loss_weight = args->distill.task_weight;
    o.teacher_dir = args->distill.teacher;
    o.distillation = distillation_options(args->distill, args->train);
    report(distill_task(o));
  });
}

}  // namespace pare::cli
