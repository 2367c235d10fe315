#include "prune/prune_task.h"

#include <memory>

#include "models/checkpoint.h"  // save_pretrained, WeightView
#include "prune/masks.h"        // save_masks
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "train/atomic_directory.h"
#include "train/tokenizer_files.h"

namespace pare {

PruneTaskResult prune_on_task(const PruneTaskOptions& options) {
  PARE_CHECK(!options.finetune.hooks, "prune_on_task: give hooks to run beside the pruner in more_hooks");
  FinetuneOptions finetune_options = options.finetune;
  finetune_options.require_head = true;
  std::shared_ptr<Pruner> pruner;
  finetune_options.hooks = [&](BertTaskModel& model) {
    PrunerOptions pruner_options = options.pruner;
    pruner_options.device = model.device();
    pruner_options.task_loss_weight = options.finetune.trainer.task_loss_weight;
    pruner = std::make_shared<Pruner>(resolve(options.config, model), pruner_options);
    std::vector<std::shared_ptr<TrainingHook>> hooks{pruner};
    if (options.more_hooks) {
      for (auto& hook : options.more_hooks(model, pruner)) hooks.push_back(std::move(hook));
    }
    return hooks;
  };
  std::shared_ptr<BertTaskModel> model;
  PruneTaskResult result;
  result.train = finetune(finetune_options, &model);
  if (result.train.stopped) return result;

  const std::filesystem::path out = options.finetune.trainer.output_dir;
  result.masks_file = out / "masks.safetensors";
  result.model_dir = out / "model";
  result.sparsity_file = out / "sparsity.json";
  result.sparsity = pruner->sparsity_report();
  if (!result.train.evaluations.empty()) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const MetricValue& m : result.train.evaluations.back().metrics) metrics[m.name] = m.value;
    result.sparsity["eval"] = metrics;
  }
  if (!writes_results()) return result;  // rank 0 writes a data-parallel run's output

  save_masks(result.masks_file, pruner->masks());
  {
    AtomicDirectory dir(result.model_dir);
    save_pretrained(*model, dir.temp_path(), WeightView::as_forward);
    std::vector<std::filesystem::path> files = tokenizer_files(options.finetune.model_dir);
    if (std::filesystem::exists(out / "labels.txt")) files.push_back(out / "labels.txt");
    for (const auto& file : files) std::filesystem::copy_file(file, dir.temp_path() / file.filename());
    dir.commit();
  }
  write_file_atomically(result.sparsity_file, result.sparsity.dump(2) + "\n");
  return result;
}

}  // namespace pare
