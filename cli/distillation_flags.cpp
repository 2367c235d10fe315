#include "cli/distillation_flags.h"

#include "cli/strict_numbers.h"

namespace pare::cli {

void add_distillation_flags(CLI::App* cmd, DistillationFlags& f, bool teacher_required) {
  auto* teacher =
      cmd->add_option("--teacher", f.teacher, "teacher model directory (same task head and tokenizer as the student)");
  if (teacher_required) teacher->required();
  cmd->add_option("--layer-map", f.layer_map,
                  "hidden-state layer mapping, recomputed every step: cofi (chosen teacher layers to the closest "
                  "student layers, in order), nni (each student layer to the closest teacher layer at or above it), "
                  "fixed (student layer i to teacher layer i, or to --teacher-layers)")
      ->check(CLI::IsMember({"cofi", "nni", "fixed"}))
      ->capture_default_str();
  cmd->add_option("--temperature", f.temperature, "temperature of the prediction-layer KL")->capture_default_str();
  cmd->add_option("--task-weight", f.task_weight, "weight of the task loss (0: distillation only, as CoFi)")
      ->capture_default_str();
  cmd->add_option("--logit-weight", f.logit_weight, "weight of the prediction-layer distillation loss")
      ->capture_default_str();
  cmd->add_option("--hidden-weight", f.hidden_weight, "weight of the layer-wise hidden-state MSE (0: none)")
      ->capture_default_str();
  cmd->add_option("--teacher-layers", f.teacher_layers,
                  "teacher hidden_states indices (1 = first layer's output): cofi's chosen layers (default: every "
                  "third, at least 4 or all), nni's candidates (default all), fixed's layer per student layer")
      ->delimiter(',')
      ->check(at_least(0));
  cmd->add_flag("--learned-projection", f.learned_projection,
                "train the hidden-state projection also when student and teacher widths agree, from the identity "
                "(CoFi); by default equal widths are compared directly");
}

DistillationOptions distillation_options(const DistillationFlags& f, const TrainFlags& train) {
  DistillationOptions o;
  o.temperature = f.temperature;
  o.logit_weight = f.logit_weight;
  o.hidden_weight = f.hidden_weight;
  o.layer_map.kind = parse_layer_map(f.layer_map);
  o.layer_map.teacher_layers = f.teacher_layers;
  o.learned_projection = f.learned_projection;
  o.seed = train.seed;
  o.device = parse_device(train.device);
  o.validate();
  return o;
}

}  // namespace pare::cli
