#include "pipeline/distilled_pruning.h"

#include "distill/distill_task.h"  // check_same_tokenizer
#include "distill/distillation_hook.h"
#include "models/bert_config.h"

namespace pare {

void add_distillation(PruneTaskOptions& options, const std::filesystem::path& teacher_dir,
                      const DistillationOptions& distillation, double task_weight) {
  check_same_tokenizer(teacher_dir, options.finetune.model_dir);
  std::shared_ptr<DistillationHook> distiller =
      make_distillation_hook(teacher_dir, BertConfig::load(options.finetune.model_dir), distillation);
  options.more_hooks = [distiller](BertTaskModel&, const std::shared_ptr<const Pruner>& pruner) {
    distiller->set_attention_source([pruner] { return pruner->layers_with_attention(); });
    return std::vector<std::shared_ptr<TrainingHook>>{distiller};
  };
  options.finetune.trainer.task_loss_weight = task_weight;
  options.finetune.trainer.inputs.push_back(teacher_dir);
}

}  // namespace pare
