#include "prune/speedup.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "models/bert_heads.h"      // make_bert_model
#include "models/bert_layer.h"      // apply_activation
#include "prune/parameter_roles.h"  // describe_bert_parameters
#include "runtime/autograd.h"       // NoGradGuard
#include "runtime/ops/indexing.h"   // index_select

namespace pare {
namespace {

using Index = std::vector<std::int64_t>;

std::string layer_prefix(const BertTaskModel& model, std::size_t layer) {
  return model.bert_prefix() + "encoder.layer." + std::to_string(layer) + ".";
}

// Per group of `group` consecutive rows (or columns) of the 2-D mask: whether all of it is zero.
std::vector<bool> zero_groups(const Tensor& mask, std::int64_t group, bool columns) {
  const std::int64_t rows = mask.size(0), cols = mask.size(1);
  const std::int64_t groups = (columns ? cols : rows) / group;
  const std::vector<float> m = mask.to_vector<float>();
  std::vector<bool> zero(static_cast<std::size_t>(groups), true);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      if (m[static_cast<std::size_t>(r * cols + c)] != 0.0f)
        zero[static_cast<std::size_t>((columns ? c : r) / group)] = false;
    }
  }
  return zero;
}

// The groups that are neither zero through `a` nor through `b` (either may be absent).
Index surviving(std::int64_t groups, const Masks& masks, const std::string& a_name, bool a_columns,
                const std::string& b_name, bool b_columns, std::int64_t group) {
  std::vector<bool> removed(static_cast<std::size_t>(groups), false);
  for (const auto& [name, columns] : {std::pair{a_name, a_columns}, std::pair{b_name, b_columns}}) {
    const auto mask = masks.find(name);
    if (mask == masks.end()) continue;
    const std::vector<bool> zero = zero_groups(mask->second, group, columns);
    for (std::size_t g = 0; g < removed.size(); ++g) removed[g] = removed[g] || zero[g];
  }
  Index kept;
  for (std::int64_t g = 0; g < groups; ++g) {
    if (!removed[static_cast<std::size_t>(g)]) kept.push_back(g);
  }
  return kept;
}

Index complement(std::int64_t n, const Index& kept) {
  Index out;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::binary_search(kept.begin(), kept.end(), i)) out.push_back(i);
  }
  return out;
}

// The axis along which a parameter writes the hidden size, or -1: the columns of the embedding
// tables, the width of every LayerNorm, the rows and bias of every projection whose output is
// hidden-sized (the residual writers, the pooler, the MLM transform). The readers (Q/K/V,
// intermediate.dense, the classifier) carry the hidden size only on their input columns.
int hidden_write_axis(const PruneParameterInfo& info) {
  if (info.op_type == PruneOpType::embedding) return info.hidden_axes == std::vector<int>{1} ? 1 : -1;
  return std::find(info.hidden_axes.begin(), info.hidden_axes.end(), 0) != info.hidden_axes.end() ? 0 : -1;
}

// Per index along `axis` of the 1-D or 2-D mask: whether that slice is all zero.
std::vector<bool> zero_slices(const Tensor& mask, int axis) {
  const Tensor matrix = mask.dim() == 1 ? mask.reshape({mask.size(0), 1}) : mask;
  return zero_groups(matrix, 1, axis == 1);
}

// The hidden dimensions some writer keeps: a dimension every writer masks whole is zero in the
// residual stream of the masked model (and so in what the pooler and the MLM transform see). A
// writer without a mask keeps them all. At least one dimension is kept, as a model needs one.
Index kept_hidden(const BertTaskModel& model, const Masks& masks) {
  const std::int64_t hidden = model.config().hidden_size;
  std::vector<bool> dead(static_cast<std::size_t>(hidden), true);
  for (const PruneParameterInfo& info : describe_bert_parameters(model)) {
    const int axis = hidden_write_axis(info);
    if (axis < 0) continue;
    const auto mask = masks.find(info.name);
    if (mask == masks.end()) return complement(hidden, {});
    const std::vector<bool> zero = zero_slices(mask->second, axis);
    for (std::size_t d = 0; d < dead.size(); ++d) dead[d] = dead[d] && zero[d];
  }
  Index kept;
  for (std::int64_t d = 0; d < hidden; ++d) {
    if (!dead[static_cast<std::size_t>(d)]) kept.push_back(d);
  }
  if (kept.empty()) kept.push_back(0);
  return kept;
}

// The element indices of the kept groups of `group` consecutive elements, on `device`.
Tensor group_indices(const Index& kept, std::int64_t group, Device device) {
  Index indices;
  indices.reserve(kept.size() * static_cast<std::size_t>(group));
  for (std::int64_t g : kept) {
    for (std::int64_t i = g * group; i < (g + 1) * group; ++i) indices.push_back(i);
  }
  return Tensor::from_vector(indices, {static_cast<std::int64_t>(indices.size())}, device);
}

// Rows (dim 0) of `t` in groups of `group`: the kept groups, in order. Works for 1-D biases too.
Tensor select_rows(const Tensor& t, const Index& kept, std::int64_t group) {
  return index_select(t, 0, group_indices(kept, group, t.device())).contiguous();
}

// Columns of the 2-D `t` in groups of `group`: the kept groups, in order.
Tensor select_columns(const Tensor& t, const Index& kept, std::int64_t group) {
  return index_select(t, 1, group_indices(kept, group, t.device())).contiguous();
}

// bias += weight[:, columns of `removed` groups] @ values[those positions]: the constant that removed
// heads or units added to every position.
void fold_into_bias(Tensor& bias, const Tensor& weight, const std::vector<float>& values, const Index& removed,
                    std::int64_t group) {
  const std::int64_t rows = weight.size(0), cols = weight.size(1);
  const std::vector<float> w = weight.to_vector<float>();
  std::vector<float> b = bias.to_vector<float>();
  for (std::int64_t r = 0; r < rows; ++r) {
    double sum = b[static_cast<std::size_t>(r)];
    for (std::int64_t g : removed) {
      for (std::int64_t c = g * group; c < (g + 1) * group; ++c) {
        sum += static_cast<double>(w[static_cast<std::size_t>(r * cols + c)]) * values[static_cast<std::size_t>(c)];
      }
    }
    b[static_cast<std::size_t>(r)] = static_cast<float>(sum);
  }
  bias = Tensor::from_vector(b, bias.shape(), bias.device());
}

// Every hidden axis of every tensor of `sd` cut down to the `kept` dimensions.
void remove_hidden(StateDict& sd, const BertConfig& config, const Index& kept) {
  NamedShapes shapes;
  for (const auto& [name, t] : sd) shapes.emplace_back(name, t.shape());
  for (const PruneParameterInfo& info : describe_bert_parameters(shapes, config)) {
    Tensor& t = sd.at(info.name);
    for (int axis : info.hidden_axes) t = axis == 0 ? select_rows(t, kept, 1) : select_columns(t, kept, 1);
  }
}

// Heads removed so far in the original numbering, when each layer's heads are the original ones
// minus config.pruned_heads (HF's form); nullopt when the config's shapes do not allow tracing them.
std::optional<std::map<std::int64_t, std::vector<std::int64_t>>> traced_pruned_heads(const BertConfig& config,
                                                                                     const SpeedupPlan& plan) {
  if (config.hidden_size % config.num_attention_heads != 0) return std::nullopt;
  const std::int64_t head_dim = config.hidden_size / config.num_attention_heads;
  std::map<std::int64_t, std::vector<std::int64_t>> out;
  for (std::size_t i = 0; i < config.layer_shapes.size(); ++i) {
    const auto layer = static_cast<std::int64_t>(i);
    const auto old = config.pruned_heads.find(layer);
    std::set<std::int64_t> pruned;
    if (old != config.pruned_heads.end()) pruned.insert(old->second.begin(), old->second.end());
    const BertLayerShape& shape = config.layer_shapes[i];
    if (shape.head_dim != head_dim ||
        shape.heads != config.num_attention_heads - static_cast<std::int64_t>(pruned.size())) {
      return std::nullopt;
    }
    Index original;  // original number of each current head
    for (std::int64_t h = 0; h < config.num_attention_heads; ++h) {
      if (!pruned.count(h)) original.push_back(h);
    }
    for (std::int64_t h : complement(shape.heads, plan.kept_heads[i]))
      pruned.insert(original[static_cast<std::size_t>(h)]);
    if (!pruned.empty()) out[layer] = std::vector<std::int64_t>(pruned.begin(), pruned.end());
  }
  return out;
}

}  // namespace

SpeedupPlan plan_speedup(const BertTaskModel& model, const Masks& given) {
  // Resolving again is cheap and keeps a mask under an unprefixed name from being silently ignored.
  const Masks masks = resolve_masks(model, given, "speedup masks");
  const BertConfig& config = model.config();
  SpeedupPlan plan;
  for (std::size_t i = 0; i < config.layer_shapes.size(); ++i) {
    const BertLayerShape& shape = config.layer_shapes[i];
    const std::string p = layer_prefix(model, i);
    plan.kept_heads.push_back(surviving(shape.heads, masks, p + "attention.output.dense.weight", true,
                                        p + "attention.self.value.weight", false, shape.head_dim));
    plan.kept_units.push_back(
        surviving(shape.ffn_dim, masks, p + "output.dense.weight", true, p + "intermediate.dense.weight", false, 1));
  }
  plan.kept_hidden = kept_hidden(model, masks);
  return plan;
}

std::shared_ptr<BertTaskModel> speedup(const BertTaskModel& model, const Masks& given) {
  const NoGradGuard no_grad;
  const Masks masks = resolve_masks(model, given, "speedup masks");
  const BertConfig& config = model.config();
  const SpeedupPlan plan = plan_speedup(model, masks);
  StateDict sd = masked_state_dict(model, masks);
  BertConfig compact = config;
  for (std::size_t i = 0; i < config.layer_shapes.size(); ++i) {
    const BertLayerShape& shape = config.layer_shapes[i];
    const std::string p = layer_prefix(model, i);
    const Index& heads = plan.kept_heads[i];
    if (shape.heads > 0 && static_cast<std::int64_t>(heads.size()) < shape.heads) {
      const std::string self = p + "attention.self.", out = p + "attention.output.dense.";
      fold_into_bias(sd.at(out + "bias"), sd.at(out + "weight"), sd.at(self + "value.bias").to_vector<float>(),
                     complement(shape.heads, heads), shape.head_dim);
      for (const char* name : {"query.", "key.", "value."}) {
        for (const char* part : {"weight", "bias"}) {
          const std::string key = self + name + part;
          if (heads.empty()) {
            sd.erase(key);
          } else {
            sd[key] = select_rows(sd.at(key), heads, shape.head_dim);
          }
        }
      }
      if (heads.empty()) {
        sd.erase(out + "weight");
      } else {
        sd[out + "weight"] = select_columns(sd.at(out + "weight"), heads, shape.head_dim);
      }
    }
    const Index& units = plan.kept_units[i];
    if (shape.ffn_dim > 0 && static_cast<std::int64_t>(units.size()) < shape.ffn_dim) {
      const std::string in = p + "intermediate.dense.", out = p + "output.dense.";
      const Tensor activated = apply_activation(sd.at(in + "bias"), config.activation());
      fold_into_bias(sd.at(out + "bias"), sd.at(out + "weight"), activated.to_vector<float>(),
                     complement(shape.ffn_dim, units), 1);
      if (units.empty()) {
        sd.erase(in + "weight");
        sd.erase(in + "bias");
        sd.erase(out + "weight");
      } else {
        sd[in + "weight"] = select_rows(sd.at(in + "weight"), units, 1);
        sd[in + "bias"] = select_rows(sd.at(in + "bias"), units, 1);
        sd[out + "weight"] = select_columns(sd.at(out + "weight"), units, 1);
      }
    }
    compact.layer_shapes[i].heads = static_cast<std::int64_t>(heads.size());
    compact.layer_shapes[i].ffn_dim = static_cast<std::int64_t>(units.size());
  }
  compact.pruned_heads = traced_pruned_heads(config, plan).value_or(decltype(compact.pruned_heads){});
  if (static_cast<std::int64_t>(plan.kept_hidden.size()) < config.hidden_size) {
    remove_hidden(sd, config, plan.kept_hidden);
    compact.hidden_size = static_cast<std::int64_t>(plan.kept_hidden.size());
    compact.pare_layer_norm_size = config.layer_norm_size();
  }
  compact.validate("speedup");
  std::shared_ptr<BertTaskModel> result = make_bert_model(compact, model.task());
  result->to(model.device());
  result->load_state_dict(sd, true);
  result->train(model.is_training());
  return result;
}

}  // namespace pare
