// pare prune: fine-tunes a model directory on a task under the masks of a pruning config (movement,
// Taylor or magnitude scores, hard or soft targets, schedules) and writes the masks, the masked
// model and the sparsity reached (prune/prune_task.h). With --teacher, the same loop distils the
// teacher into the model being pruned (distill/distillation_hook.h). Prints a JSON summary.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/distillation_flags.h"
#include "cli/training_options.h"  // TrainFlags, TaskFlags, finetune_options, run_summary
#include "pipeline/distilled_pruning.h"
#include "prune/prune_task.h"
#include "runtime/distributed/world.h"

namespace pare::cli {
namespace {

// One line per config group and encoder layer on stderr: what the masks removed, at a glance.
void print_sparsity(const nlohmann::json& sparsity) {
  for (const nlohmann::json& g : sparsity.at("groups")) {
    std::fprintf(stderr, "group %d (%s, %s): %.1f%% of %lld weights masked\n", g.at("group").get<int>(),
                 g.at("scorer").get<std::string>().c_str(), g.at("granularity").get<std::string>().c_str(),
                 100.0 * g.at("masked_fraction").get<double>(), g.at("parameters").get<long long>());
    for (const auto& [layer, l] : g.at("layers").items()) {
      std::fprintf(stderr, "  %s: %.1f%% masked", layer == "-1" ? "outside layers" : ("layer " + layer).c_str(),
                   100.0 * l.at("masked_fraction").get<double>());
      if (l.contains("entries")) {
        std::fprintf(stderr, ", %lld of %lld units kept", l.at("entries_kept").get<long long>(),
                     l.at("entries").get<long long>());
      }
      std::fprintf(stderr, "\n");
    }
  }
}

}  // namespace

void add_prune_command(CLI::App& app) {
  struct Args {
    TrainFlags train;
    TaskFlags task;
    DistillationFlags distill;
    std::string model, config;
    double score_lr = 1e-2;
  };
  auto args = std::make_shared<Args>();
  args->train.lr = 5e-5;
  args->train.warmup_ratio = 0.1;
  CLI::App* cmd = app.add_subcommand(
      "prune", "Fine-tune a model directory on a task while pruning it with a config (see prune/configs/README.md)");
  cmd->add_option("--model", args->model, "fine-tuned (or pretrained) model directory to prune")->required();
  cmd->add_option("--config", args->config, "pruning config JSON (prune/configs/*.json)")->required();
  cmd->add_option("--score-lr", args->score_lr, "Adam learning rate of movement scores")->capture_default_str();
  add_task_flags(cmd, args->task);
  add_distillation_flags(cmd, args->distill, false);
  add_train_flags(cmd, args->train);
  cmd->callback([args] {
    PruneTaskOptions o;
    o.config = PruningConfig::load(args->config);  // a malformed config fails before any data is read
    o.finetune = finetune_options(args->model, args->task, args->train);
    o.finetune.trainer.inputs.push_back(args->config);
    o.pruner.score_lr = args->score_lr;
    if (!args->distill.teacher.empty()) {
      add_distillation(o, args->distill.teacher, distillation_options(args->distill, args->train),
                       args->distill.task_weight);
    }
    const PruneTaskResult r = prune_on_task(o);
    if (!writes_results()) return;  // rank 0 reports a data-parallel run
    nlohmann::json summary = run_summary(r.train);
    print_sparsity(r.sparsity);
    summary["masks"] = r.masks_file.string();
    summary["model"] = r.model_dir.string();
    summary["sparsity"] = r.sparsity_file.string();
    summary["masked_fraction"] = r.sparsity["masked_fraction"];
    std::cout << summary.dump(2) << "\n";
  });
}

}  // namespace pare::cli
