#include "prune/pruner.h"

#include <algorithm>
#include <map>
#include <utility>

#include "prune/importance.h"        // global_topk_masks
#include "prune/mask_layout.h"       // MaskLayout
#include "prune/mask_member.h"       // MaskMember
#include "prune/masked_parameter.h"  // masked_parameter
#include "prune/scorers/scorer.h"    // Scorer, make_scorer
#include "prune/sparsity_schedule.h"
#include "runtime/autograd.h"         // NoGradGuard
#include "runtime/error.h"            // PARE_CHECK
#include "runtime/ops/elementwise.h"  // add, mul, scale
#include "runtime/ops/indexing.h"     // concat
#include "runtime/ops/reduce.h"       // sum
#include "runtime/optim/adamw.h"

namespace pare {

namespace {

// The members whose masks decide which heads are alive (layers_with_attention, speedup()'s rule).
bool decides_heads(const std::string& name) {
  return name.ends_with("attention.self.value.weight") || name.ends_with("attention.output.dense.weight");
}

}  // namespace

struct MaskUnit {
  std::string name;  // the dependency group, or the parameter's name
  std::size_t group_index = 0;
  PruningGroup settings;  // of the unit's first config group
  std::int64_t layer = -1;
  Shape mask_shape;
  std::vector<MaskMember> members;
  Tensor mask;  // f32 0/1 of mask_shape
  std::unique_ptr<Scorer> scorer;
  bool decides_heads() const {
    return std::any_of(members.begin(), members.end(),
                       [](const MaskMember& m) { return pare::decides_heads(m.parameter.name); });
  }

  // Returns whether the entries may have changed. Expanding is the costly part on the CPU (a full
  // copy of every member), and hard movement masks are recomputed every step but rarely change, so
  // host masks are compared first; on a device comparing would cost a host read, expanding does not.
  bool set_mask(Tensor new_mask) {
    if (mask.defined() && mask.device().is_cpu() && new_mask.to_vector<float>() == mask.to_vector<float>()) {
      return false;
    }
    mask = std::move(new_mask);
    for (MaskMember& m : members) m.expanded = m.layout->expand(mask);
    return true;
  }
};

namespace {

std::string ranking_key(const MaskUnit& u) {
  const std::string scope = u.settings.ranking == Ranking::global ? std::string("all")
                            : u.layer >= 0                        ? "layer " + std::to_string(u.layer)
                                                                  : "unit " + u.name;
  return std::to_string(u.group_index) + "/" + scope;
}

double masked_fraction(std::int64_t masked, std::int64_t total) {
  return total == 0 ? 0.0 : static_cast<double>(masked) / static_cast<double>(total);
}

// The zeros of each 0/1 mask, read back in one transfer: row sums on the device (exact in f32, a row
// is short), added up on the host in integers.
std::vector<std::int64_t> zeros_in(const std::vector<Tensor>& masks) {
  if (masks.empty()) return {};
  std::vector<Tensor> row_sums;
  for (const Tensor& m : masks) row_sums.push_back(sum(m.reshape({-1, m.dim() == 0 ? 1 : m.size(-1)}), {1}));
  const std::vector<float> kept = concat(row_sums, 0).to_vector<float>();
  std::vector<std::int64_t> zeros;
  std::size_t at = 0;
  for (std::size_t i = 0; i < masks.size(); ++i) {
    std::int64_t ones = 0;
    for (std::int64_t r = 0; r < row_sums[i].numel(); ++r) ones += static_cast<std::int64_t>(kept[at++]);
    zeros.push_back(masks[i].numel() - ones);
  }
  return zeros;
}

}  // namespace

Pruner::Pruner(ResolvedPruning pruning, PrunerOptions options) : pruning_(std::move(pruning)), options_(options) {
  PARE_CHECK(options_.score_lr > 0.0, "pruner: score_lr must be positive, got ", options_.score_lr);
  std::map<std::string, std::shared_ptr<MaskUnit>> by_name;
  for (const ResolvedGroup& g : pruning_.groups) {
    for (const ResolvedParameter& p : g.parameters) {
      const std::string key = p.dependency.empty() ? p.name : p.dependency;
      std::shared_ptr<MaskUnit>& unit = by_name[key];
      if (!unit) {
        unit = std::make_shared<MaskUnit>();
        unit->name = key;
        unit->group_index = g.index;
        unit->settings = g.group;
        unit->layer = p.layer;
        unit->mask_shape = p.mask_shape;
        units_.push_back(unit);
      }
      PARE_CHECK(p.mask_shape == unit->mask_shape, "pruner: ", p.name, " has mask shape ", shape_str(p.mask_shape),
                 " but its dependency group '", key, "' has ", shape_str(unit->mask_shape));
      if (unit->layer != p.layer) unit->layer = -1;
      unit->members.push_back(MaskMember{p, g.index, std::make_shared<MaskLayout>(p), Tensor(), Tensor()});
    }
  }
  NamedTensors learned;
  for (const auto& unit : units_) {
    unit->set_mask(Tensor::ones(unit->mask_shape, DType::f32, options_.device));
    unit->scorer = make_scorer(unit->settings.scorer, {unit->settings, unit->mask_shape, options_.device});
    const Tensor scores = unit->scorer->learned_scores();
    if (scores.defined()) learned.emplace_back(unit->name, scores);
  }
  if (!learned.empty()) {
    score_optimizer_ = std::make_unique<AdamW>(std::vector<ParamGroup>{{learned, 0.0}}, options_.score_lr);
  }
}

Pruner::~Pruner() = default;

void Pruner::on_train_begin(BertTaskModel& model, const TrainingPlan& plan) {
  total_steps_ = plan.total_steps;
  const BertConfig& config = model.config();
  num_heads_ = config.num_attention_heads;
  layer_heads_.clear();
  layer_head_dims_.clear();
  heads_changed_ = true;
  for (const BertLayerShape& shape : config.layer_shapes) {
    layer_heads_.push_back(shape.heads);
    layer_head_dims_.push_back(shape.head_dim);
  }
  std::map<std::string, Tensor> parameters;
  for (auto& [name, t] : model.named_parameters()) parameters.emplace(name, t);
  for (const ResolvedGroup& g : pruning_.groups) {
    const PruneSchedule& s = g.group.schedule;
    if (s.total_times) {
      const std::int64_t done = s.warmup_steps + *s.total_times * s.interval_steps;
      PARE_CHECK(done <= total_steps_, "pruning config group ", g.index,
                 ": the AGP schedule reaches its target at step ", done, " (warmup_steps ", s.warmup_steps,
                 " + total_times ", *s.total_times, " x interval_steps ", s.interval_steps, ") but the run has ",
                 total_steps_, " steps");
    } else {
      const std::int64_t end = s.cooldown_begin_step.value_or(total_steps_);
      PARE_CHECK(
          end > s.warmup_steps, "pruning config group ", g.index, ": warmup_steps ", s.warmup_steps,
          " leaves no step to prune in before ",
          s.cooldown_begin_step ? "cooldown_begin_step " : "the end of the run (cooldown_begin_step defaults to it) ",
          end);
    }
  }
  for (const auto& unit : units_) {
    for (std::size_t i = 0; i < unit->members.size(); ++i) {
      MaskMember& member = unit->members[i];
      auto it = parameters.find(member.parameter.name);
      PARE_CHECK(it != parameters.end(), "pruner: the model has no parameter ", member.parameter.name);
      PARE_CHECK(it->second.shape() == member.parameter.shape, "pruner: ", member.parameter.name, " has shape ",
                 shape_str(it->second.shape()), " in the model but ", shape_str(member.parameter.shape),
                 " in the pruning plan");
      PARE_CHECK(it->second.device() == options_.device, "pruner: ", member.parameter.name, " is on ",
                 it->second.device().str(), " but the pruner's masks are on ", options_.device.str(),
                 " (PrunerOptions::device)");
      member.weight = it->second;
      MaskUnit* u = unit.get();
      model.set_parameter_transform(member.parameter.name, [u, i](const Tensor& w) {
        const MaskMember& m = u->members[i];
        return masked_parameter(w, m.expanded, m.layout, u->scorer->learned_scores());
      });
    }
  }
}

NamedTensors Pruner::gradient_tensors() const {
  NamedTensors learned;
  for (const auto& unit : units_) {
    const Tensor scores = unit->scorer->learned_scores();
    if (scores.defined()) learned.emplace_back(unit->name, scores);
  }
  return learned;
}

Tensor Pruner::extra_loss(const MicroBatchView& batch) {
  std::vector<std::pair<const MaskUnit*, Tensor>> penalties;
  std::int64_t entries = 0;
  for (const auto& unit : units_) {
    Tensor penalty = unit->scorer->penalty();
    if (!penalty.defined()) continue;
    entries += unit->mask.numel();
    penalties.emplace_back(unit.get(), std::move(penalty));
  }
  if (entries == 0) return Tensor();
  Tensor total;
  for (const auto& [unit, penalty] : penalties) {
    const double task_weight = options_.task_loss_weight > 0.0 ? options_.task_loss_weight : 1.0;
    const double lambda = task_weight * regularization_scale(unit->settings.schedule, batch.step, total_steps_);
    const Tensor term = scale(penalty, lambda / static_cast<double>(entries));
    total = total.defined() ? add(total, term) : term;
  }
  last_regularization_ = total.detach();
  // Under data parallelism each rank adds its share, so the ranks' parts add up to one term.
  return batch.share.rows == 1.0 ? total : scale(total, batch.share.rows);
}

void Pruner::after_backward(std::int64_t /*step*/, BertTaskModel& /*model*/) {
  if (score_optimizer_) {
    score_optimizer_->step();
    score_optimizer_->zero_grad();
  }
  for (const auto& unit : units_) unit->scorer->observe(unit->members);
}

void Pruner::after_step(const StepInfo& info) { update_masks(info.step); }

void Pruner::update_masks(std::int64_t step) {
  std::map<std::string, std::vector<MaskUnit*>> ranked_together;
  for (const auto& unit : units_) ranked_together[ranking_key(*unit)].push_back(unit.get());
  for (auto& [key, units] : ranked_together) {
    const PruningGroup& g = units.front()->settings;
    const PruneSchedule& s = g.schedule;
    const MaskUpdate rule = units.front()->scorer->mask_update();
    if (rule == MaskUpdate::own_threshold) {
      for (MaskUnit* u : units) {
        heads_changed_ |= u->set_mask(step < s.warmup_steps ? Tensor::ones(u->mask_shape, DType::f32, options_.device)
                                                            : u->scorer->own_mask()) &&
                          u->decides_heads();
      }
      continue;
    }
    if (rule == MaskUpdate::scheduled_ranking) {
      const std::int64_t end =
          s.total_times ? s.warmup_steps + *s.total_times * s.interval_steps : cooldown_begin(s, total_steps_);
      const bool due = step >= s.warmup_steps && ((step - s.warmup_steps) % s.interval_steps == 0 || step == end);
      if (!due) continue;
    }
    double sparsity = scheduled_sparsity(s, *g.sparse_ratio, step, total_steps_);
    if (g.ratio_follows_heads) {
      const std::int64_t layer = units.front()->layer;
      PARE_CHECK(layer >= 0 && layer < static_cast<std::int64_t>(layer_heads_.size()), "pruner: unit ",
                 units.front()->name, " follows the heads of its layer but spans several layers");
      const double ratio = 1.0 - static_cast<double>(layer_heads_[static_cast<std::size_t>(layer)]) /
                                     static_cast<double>(num_heads_) / 2.0;
      sparsity = ratio * sparsity / *g.sparse_ratio;
    }
    std::vector<Tensor> scores;
    for (MaskUnit* u : units) scores.push_back(u->scorer->ranking_scores(u->members, u->mask));
    std::vector<Tensor> masks;
    if (sparsity >= 1.0) {
      for (const Tensor& t : scores) masks.push_back(Tensor::zeros(t.shape(), DType::f32, options_.device));
    } else {
      masks = global_topk_masks(scores, sparsity);
    }
    for (std::size_t i = 0; i < units.size(); ++i) {
      heads_changed_ |= units[i]->set_mask(masks[i]) && units[i]->decides_heads();
      units[i]->scorer->after_ranking();
    }
  }
}

Masks Pruner::masks() const {
  Masks out;
  for (const auto& unit : units_) {
    for (const MaskMember& m : unit->members) out.emplace(m.parameter.name, m.expanded.clone());
  }
  return out;
}

nlohmann::json Pruner::sparsity_report() const {
  struct Count {
    std::int64_t masked = 0, total = 0, entries_kept = 0, entries = 0;
  };
  std::map<std::size_t, std::map<std::int64_t, Count>> per_group;
  std::vector<Tensor> counted;
  for (const auto& unit : units_) {
    for (const MaskMember& m : unit->members) counted.push_back(m.expanded);
    counted.push_back(unit->mask);
  }
  const std::vector<std::int64_t> zeros = zeros_in(counted);
  std::size_t next = 0;
  for (const auto& unit : units_) {
    for (const MaskMember& m : unit->members) {
      Count& c = per_group[m.group_index][m.parameter.layer];
      c.masked += zeros[next++];
      c.total += m.expanded.numel();
    }
    Count& c = per_group[unit->group_index][unit->layer];
    c.entries += unit->mask.numel();
    c.entries_kept += unit->mask.numel() - zeros[next++];
  }
  nlohmann::json groups = nlohmann::json::array();
  std::int64_t all_masked = 0, all_total = 0;
  for (const ResolvedGroup& g : pruning_.groups) {
    nlohmann::json layers = nlohmann::json::object();
    std::int64_t masked = 0, total = 0;
    for (const auto& [layer, c] : per_group[g.index]) {
      nlohmann::json entry = {{"masked_fraction", masked_fraction(c.masked, c.total)}};
      if (c.entries > 0) {
        entry["entries_kept"] = c.entries_kept;
        entry["entries"] = c.entries;
      }
      layers[std::to_string(layer)] = entry;
      masked += c.masked;
      total += c.total;
    }
    all_masked += masked;
    all_total += total;
    nlohmann::json group = {{"group", g.index},
                            {"scorer", g.group.scorer},
                            {"granularity", to_string(g.group.granularity)},
                            {"masked_fraction", masked_fraction(masked, total)},
                            {"parameters", total},
                            {"layers", layers}};
    if (g.group.ratio_follows_heads) {
      group["sparse_ratio"] = "follow_heads";
    } else if (g.group.sparse_ratio) {
      group["sparse_ratio"] = *g.group.sparse_ratio;
    }
    if (g.group.sparse_threshold) group["sparse_threshold"] = *g.group.sparse_threshold;
    groups.push_back(group);
  }
  return {{"masked_fraction", masked_fraction(all_masked, all_total)},
          {"masked_parameters", all_masked},
          {"parameters", all_total},
          {"groups", groups}};
}

nlohmann::json Pruner::log_fields() const {
  std::vector<Tensor> expanded;
  std::int64_t masked = 0, total = 0;
  for (const auto& unit : units_) {
    for (const MaskMember& m : unit->members) {
      expanded.push_back(m.expanded);
      total += m.expanded.numel();
    }
  }
  for (std::int64_t zeros : zeros_in(expanded)) masked += zeros;
  nlohmann::json fields = {{"masked_fraction", masked_fraction(masked, total)}};
  if (last_regularization_.defined()) {
    const double regularization = last_regularization_.item();
    if (regularization != 0.0) fields["regularization"] = regularization;
  }
  return fields;
}

std::vector<bool> Pruner::layers_with_attention() const {
  if (!heads_changed_ && !attention_.empty()) return attention_;
  heads_changed_ = false;
  // Per layer, the kept elements of each head in every value-rows and output-columns mask, multiplied
  // together: a head whose product is 0 lost all its elements in one of them. One host read for all.
  std::vector<Tensor> kept_per_head(layer_heads_.size());
  for (const auto& unit : units_) {
    for (const MaskMember& m : unit->members) {
      const std::string& name = m.parameter.name;
      const bool value_rows = name.ends_with("attention.self.value.weight");
      const std::int64_t layer = m.parameter.layer;
      if (!decides_heads(name) || layer < 0 || layer >= static_cast<std::int64_t>(layer_heads_.size())) {
        continue;
      }
      const auto l = static_cast<std::size_t>(layer);
      const std::int64_t heads = layer_heads_[l], dim = layer_head_dims_[l];
      const std::int64_t rows = m.parameter.shape[0], cols = m.parameter.shape[1];
      const Tensor per_head = value_rows ? sum(m.expanded.reshape({heads, dim * cols}), {1})
                                         : sum(m.expanded.reshape({rows, heads, dim}), {0, 2});
      kept_per_head[l] = kept_per_head[l].defined() ? mul(kept_per_head[l], per_head) : per_head;
    }
  }
  std::vector<Tensor> layers;
  for (std::size_t l = 0; l < layer_heads_.size(); ++l) {
    layers.push_back(kept_per_head[l].defined() ? kept_per_head[l]
                                                : Tensor::ones({layer_heads_[l]}, DType::f32, options_.device));
  }
  attention_.assign(layer_heads_.size(), false);
  if (layers.empty()) return attention_;
  const std::vector<float> kept = concat(layers, 0).to_vector<float>();
  std::size_t at = 0;
  for (std::size_t l = 0; l < layer_heads_.size(); ++l) {
    for (std::int64_t h = 0; h < layer_heads_[l]; ++h) attention_[l] = attention_[l] || kept[at++] > 0.0f;
  }
  return attention_;
}

void Pruner::detach(BertTaskModel& model) {
  for (const auto& unit : units_) {
    for (const MaskMember& m : unit->members) model.set_parameter_transform(m.parameter.name, nullptr);
  }
}

nlohmann::json Pruner::state() const { return {{"units", units_.size()}}; }

void Pruner::load_state(const nlohmann::json& state) {
  PARE_CHECK(state.is_object() && state.contains("units") && state["units"] == units_.size(),
             "pruner: the checkpoint's pruner state was written for another pruning config (", state.dump(), ")");
}

StateDict Pruner::state_tensors() const {
  StateDict out;
  for (const auto& unit : units_) {
    out.emplace("mask." + unit->name, unit->mask.clone());
    for (auto& [kind, t] : unit->scorer->state_tensors()) out.emplace(kind + "." + unit->name, t);
  }
  if (score_optimizer_) {
    for (auto& [name, t] : score_optimizer_->state_dict()) out.emplace("optimizer." + name, t.clone());
  }
  return out;
}

void Pruner::load_state_tensors(const StateDict& tensors) {
  auto take = [&](const std::string& name, const Shape& shape) -> const Tensor& {
    auto it = tensors.find(name);
    PARE_CHECK(it != tensors.end(), "pruner: the checkpoint has no ", name, " (was it written for this config?)");
    PARE_CHECK(it->second.shape() == shape, "pruner: checkpoint tensor ", name, " has shape ",
               shape_str(it->second.shape()), ", expected ", shape_str(shape));
    return it->second;
  };
  NoGradGuard no_grad;
  for (const auto& unit : units_) {
    heads_changed_ |=
        unit->set_mask(take("mask." + unit->name, unit->mask_shape).to(DType::f32).to(options_.device).clone());
    unit->scorer->load_state_tensors(
        [&](const std::string& kind) -> const Tensor& { return take(kind + "." + unit->name, unit->mask_shape); });
  }
  if (score_optimizer_) {
    StateDict optimizer;
    const std::string prefix = "optimizer.";
    for (const auto& [name, t] : tensors) {
      if (name.rfind(prefix, 0) == 0) optimizer.emplace(name.substr(prefix.size()), t);
    }
    score_optimizer_->load_state_dict(optimizer);
  }
}

}  // namespace pare
