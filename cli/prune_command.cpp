// pare prune: fine-tunes a model directory on a task under the masks of a pruning config (movement,
// Taylor or magnitude scores, hard or soft targets, schedules) and writes the masks, the masked
// model and the sparsity reached (prune/prune_task.h). Prints a JSON summary on stdout.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/training_flags.h"
#include "prune/prune_task.h"

namespace pare::cli {

void add_prune_command(CLI::App& app) {
  struct Args {
    TrainFlags train;
    TaskFlags task;
    std::string config;
    double score_lr = 1e-2;
  };
  auto args = std::make_shared<Args>();
  args->train.lr = 5e-5;
  args->train.warmup_ratio = 0.1;
  CLI::App* cmd = app.add_subcommand(
      "prune", "Fine-tune a model directory on a task while pruning it with a config (see prune/configs/README.md)");
  add_task_flags(cmd, args->task, "fine-tuned (or pretrained) model directory to prune");
  cmd->add_option("--config", args->config, "pruning config JSON (prune/configs/*.json)")->required();
  cmd->add_option("--score-lr", args->score_lr, "Adam learning rate of movement scores")->capture_default_str();
  add_train_flags(cmd, args->train);
  cmd->callback([args] {
    PruneTaskOptions o;
    o.config = PruningConfig::load(args->config);  // a malformed config fails before any data is read
    o.finetune = finetune_options(args->task, args->train, 3);
    o.pruner.score_lr = args->score_lr;
    const PruneTaskResult r = prune_on_task(o);
    nlohmann::json summary = run_summary(r.train);
    summary["masks"] = r.masks_file.string();
    summary["model"] = r.model_dir.string();
    summary["sparsity"] = r.sparsity_file.string();
    summary["masked_fraction"] = r.sparsity["masked_fraction"];
    std::cout << summary.dump(2) << "\n";
  });
}

}  // namespace pare::cli
