#include "pipeline/run_preflight.h"

#include <algorithm>
#include <sstream>

#include "distill/layer_mapping.h"  // validate_layer_map
#include "models/bert_heads.h"      // make_bert_model
#include "models/bert_sizes.h"      // named_bert_config
#include "prune/pruning_resolve.h"  // resolve
#include "runtime/error.h"
#include "runtime/io/json_path.h"  // json_element_path

namespace pare {
namespace {

// The vocabulary of a model pretrained by the run is the tokenizer's, known once it is trained: a
// stand-in keeps the check's model small (its embeddings' rows are not checked, see check_stage).
constexpr std::int64_t kStandInVocabulary = 64;

// The model the first stage prunes, as far as names and shapes go: --model's config, or the named
// size pretraining builds. Its task head is a sequence classifier, as fine-tuning gives it.
std::shared_ptr<BertTaskModel> starting_model(const PipelineOptions& o) {
  const BertConfig config = o.model_dir.empty() ? named_bert_config(o.recipe.pretrain.size, kStandInVocabulary)
                                                : BertConfig::load(o.model_dir);
  return make_bert_model(config, BertTask::sequence_classification);
}

// As the command line gives it: 1 and 0.5, not 1.0 and 0.50000.
std::string shown(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

bool has_blocks(const PruningConfig& config) {
  return std::any_of(config.groups.begin(), config.groups.end(),
                     [](const PruningGroup& g) { return g.granularity == Granularity::block; });
}

// `exact`: the model has the sizes the stage will see (the first stage, on --model).
void check_stage(const Recipe& recipe, std::size_t index, const BertTaskModel& model, bool exact) {
  const PruneStage& stage = recipe.stages[index];
  const std::string where = "stage '" + stage.name + "': ";
  try {
    // A block must divide its parameter's sizes, which a later stage sees shrunk and a pretrained
    // model's vocabulary sets: blocks are checked only where the sizes are known.
    if (exact || !has_blocks(stage.pruning)) resolve(stage.pruning, model);
  } catch (const Error& e) {
    throw Error(where + e.what());
  }
  const DistillationOptions& d = stage.distill.options;
  if (!stage.distill.enabled || d.hidden_weight <= 0) return;
  try {
    // Pruning keeps the number of layers or lowers it: the starting model's count is the most a
    // student can have.
    const std::int64_t layers = model.config().num_hidden_layers;
    validate_layer_map(d.layer_map, layers, layers);
  } catch (const Error& e) {
    throw Error(where + recipe.source + ": " + json_element_path("stages", index) + ".distill: " + e.what());
  }
}

// A sweep sets regular_scale on every group of the first stage; only soft-mode groups (with a
// sparse_threshold) have the regulariser it scales, so without one every point would be the same.
void check_sweep(const PipelineOptions& o) {
  if (o.sweep_regular_scales.empty()) return;
  const PruneStage& first = o.recipe.stages.front();
  const bool read = std::any_of(first.pruning.groups.begin(), first.pruning.groups.end(),
                                [](const PruningGroup& g) { return g.soft(); });
  std::string values;
  for (double v : o.sweep_regular_scales) {
    if (!values.empty()) values += ",";
    values += shown(v);
  }
  PARE_CHECK(read, "pare sweep --regular-scale ", values, ": stage '", first.name, "' of ", o.recipe.source, " (",
             first.pruning.source, ") has no group that reads regular_scale: only soft-mode groups (with ",
             "\"sparse_threshold\" and a movement scorer) have the regulariser it scales, so every point of the sweep ",
             "would be the same run");
}

// The recipe's seq must fit the model's positions; pretraining gives its model pretrain.seq of them
// at least (train/pretrain.cpp), so without this check a too long seq would be found only after it.
void check_seq(const PipelineOptions& o, const BertConfig& config) {
  const std::int64_t positions =
      o.model_dir.empty()
          ? std::max<std::int64_t>(config.max_position_embeddings, static_cast<std::int64_t>(o.recipe.pretrain.seq))
          : config.max_position_embeddings;
  const std::string model = o.model_dir.empty() ? "the model pretraining makes" : "the model " + o.model_dir.string();
  PARE_CHECK(static_cast<std::int64_t>(o.recipe.seq) <= positions, o.recipe.source, ": field \"seq\" is ", o.recipe.seq,
             " but ", model, " has ", positions, " positions (max_position_embeddings)");
}

}  // namespace

void check_run_before_training(const PipelineOptions& o) {
  check_sweep(o);
  const std::shared_ptr<BertTaskModel> model = starting_model(o);
  check_seq(o, model->config());
  // A sweep runs the first stage only.
  const std::size_t stages = o.sweep_regular_scales.empty() ? o.recipe.stages.size() : 1;
  for (std::size_t i = 0; i < stages; ++i) check_stage(o.recipe, i, *model, i == 0 && !o.model_dir.empty());
}

}  // namespace pare
