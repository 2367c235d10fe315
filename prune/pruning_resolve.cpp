#include "prune/pruning_resolve.h"

#include <algorithm>
#include <map>

#include "models/bert.h"  // BertTaskModel
#include "prune/name_pattern.h"
#include "runtime/error.h"

namespace pare {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string granularity_value(const PruningGroup& group) {
  if (group.granularity == Granularity::block) {
    return "[" + std::to_string(group.block_rows) + ", " + std::to_string(group.block_cols) + "]";
  }
  return quoted(to_string(group.granularity));
}

// The prefix of every error about group `index`'s field `field`.
std::string where(const PruningConfig& config, std::size_t index, const std::string& field) {
  return config.source + ": group " + std::to_string(index) + ": field " + quoted(field) + " ";
}

NamePattern compile(const std::string& pattern, const PruningConfig& config, std::size_t index,
                    const std::string& field) {
  try {
    return NamePattern::compile(pattern);
  } catch (const Error& e) {
    throw Error(where(config, index, field) + "holds an invalid regular expression " + quoted(pattern) + " (" +
                e.what() + ")");
  }
}

// The mask of one parameter under the group's granularity; throws when it does not fit.
void fit_granularity(const PruningGroup& group, const PruneParameterInfo& p, ResolvedParameter& out,
                     const std::string& at) {
  const int rank = static_cast<int>(p.shape.size());
  const std::string what = at + granularity_value(group) + " on " + p.name + " (shape " + shape_str(p.shape) + ")";
  out.mask_axis.assign(rank, -1);
  out.span.assign(rank, 1);
  switch (group.granularity) {
    case Granularity::weight:
      out.mask_shape = p.shape;
      for (int a = 0; a < rank; ++a) out.mask_axis[a] = a;
      return;
    case Granularity::block: {
      PARE_CHECK(rank == 2, what, ": blocks need a 2-D weight");
      PARE_CHECK(p.shape[0] % group.block_rows == 0 && p.shape[1] % group.block_cols == 0, what,
                 ": the block does not divide the shape");
      out.mask_shape = {p.shape[0] / group.block_rows, p.shape[1] / group.block_cols};
      out.mask_axis = {0, 1};
      out.span = {group.block_rows, group.block_cols};
      return;
    }
    case Granularity::head: {
      PARE_CHECK(p.head_axis >= 0, what,
                 ": head granularity needs an attention parameter (attention.self.{query,key,value} weight or bias, "
                 "attention.output.dense weight)");
      PARE_CHECK(p.head_dim > 0, what, ": the model config gives no head size for layer ", p.layer);
      const std::int64_t width = p.shape[p.head_axis];
      PARE_CHECK(width % p.head_dim == 0, what, ": axis ", p.head_axis, " (", width,
                 ") is not a multiple of the head size ", p.head_dim);
      out.mask_shape = {width / p.head_dim};
      out.mask_axis[p.head_axis] = 0;
      out.span[p.head_axis] = p.head_dim;
      return;
    }
    case Granularity::out_channel:
      PARE_CHECK(p.op_type != PruneOpType::embedding, what,
                 ": an embedding has no output channels to remove; use granularity \"hidden\" for its width");
      PARE_CHECK(rank >= 1, what, ": a scalar has no channels");
      out.mask_shape = {p.shape[0]};
      out.mask_axis[0] = 0;
      return;
    case Granularity::in_channel:
      PARE_CHECK(p.op_type == PruneOpType::linear && rank == 2, what,
                 ": input channels are the columns of a 2-D linear weight");
      out.mask_shape = {p.shape[1]};
      out.mask_axis[1] = 0;
      return;
    case Granularity::hidden: {
      PARE_CHECK(!p.hidden_axes.empty(), what, ": the parameter has no hidden-size axis");
      const std::int64_t hidden = p.shape[p.hidden_axes.front()];
      for (int axis : p.hidden_axes) {
        PARE_CHECK(p.shape[axis] == hidden, what, ": its hidden-size axes differ in size");
        out.mask_axis[axis] = 0;
      }
      out.mask_shape = {hidden};
      return;
    }
  }
}

bool takes_type(const PruningGroup& group, PruneOpType type) {
  return group.op_types.empty() ||
         std::find(group.op_types.begin(), group.op_types.end(), type) != group.op_types.end();
}

std::string dependency_name(const PruningGroup& group, const PruneParameterInfo& p, const std::string& at) {
  std::string name = group.dependency_group;
  const std::string token = "{layer}";
  for (std::size_t pos = name.find(token); pos != std::string::npos; pos = name.find(token)) {
    PARE_CHECK(p.layer >= 0, at, quoted(group.dependency_group), ": ", p.name,
               " is outside the encoder layers, so \"{layer}\" has no value");
    name.replace(pos, token.size(), std::to_string(p.layer));
  }
  return name;
}

ResolvedGroup resolve_group(const PruningConfig& config, std::size_t index,
                            const std::vector<PruneParameterInfo>& parameters) {
  const PruningGroup& group = config.groups[index];
  std::vector<NamePattern> names, excludes;
  for (const auto& pattern : group.op_names) names.push_back(compile(pattern, config, index, "op_names"));
  for (const auto& pattern : group.exclude) excludes.push_back(compile(pattern, config, index, "exclude"));

  std::vector<int> name_hits(names.size(), 0), name_selected(names.size(), 0), exclude_hits(excludes.size(), 0);
  ResolvedGroup resolved{index, group, {}};
  for (const PruneParameterInfo& p : parameters) {
    bool named = false;
    std::vector<std::size_t> matched;
    for (std::size_t r = 0; r < names.size(); ++r) {
      if (!names[r].matches(p.name)) continue;
      ++name_hits[r];
      matched.push_back(r);
      named = true;
    }
    if (!named) continue;
    bool excluded = false;
    for (std::size_t r = 0; r < excludes.size(); ++r) {
      if (excludes[r].matches(p.name)) {
        ++exclude_hits[r];
        excluded = true;
      }
    }
    if (excluded || !takes_type(group, p.op_type)) continue;
    for (std::size_t r : matched) ++name_selected[r];
    ResolvedParameter out;
    out.name = p.name;
    out.shape = p.shape;
    out.layer = p.layer;
    PARE_CHECK(!group.ratio_follows_heads || p.layer >= 0, where(config, index, "sparse_ratio"),
               "\"follow_heads\" needs encoder-layer parameters, but ", p.name, " is outside the encoder layers");
    fit_granularity(group, p, out, where(config, index, "granularity"));
    if (!group.dependency_group.empty()) {
      out.dependency = dependency_name(group, p, where(config, index, "dependency_group"));
    }
    resolved.parameters.push_back(std::move(out));
  }
  for (std::size_t r = 0; r < names.size(); ++r) {
    PARE_CHECK(name_selected[r] > 0, where(config, index, "op_names"), "regex ", quoted(group.op_names[r]),
               name_hits[r] == 0 ? " matches no parameter"
                                 : " matches " + std::to_string(name_hits[r]) +
                                       " parameter(s), but none is left after op_types and exclude");
  }
  for (std::size_t r = 0; r < excludes.size(); ++r) {
    PARE_CHECK(exclude_hits[r] > 0, where(config, index, "exclude"), "regex ", quoted(group.exclude[r]),
               " matches no parameter that op_names selects");
  }
  return resolved;
}

// Where members of one dependency group disagree on what pruning them means, the first such field.
std::string disagreement(const PruningGroup& a, const PruningGroup& b) {
  if (a.sparse_ratio != b.sparse_ratio || a.ratio_follows_heads != b.ratio_follows_heads) return "sparse_ratio";
  if (a.sparse_threshold != b.sparse_threshold) return "sparse_threshold";
  if (a.scorer != b.scorer) return "scorer";
  if (a.ranking != b.ranking) return "ranking";
  const PruneSchedule &s = a.schedule, &t = b.schedule;
  if (s.warmup_steps != t.warmup_steps) return "warmup_steps";
  if (s.cooldown_begin_step != t.cooldown_begin_step) return "cooldown_begin_step";
  if (s.regular_scale != t.regular_scale) return "regular_scale";
  if (s.interval_steps != t.interval_steps) return "interval_steps";
  if (s.total_times != t.total_times) return "total_times";
  return "";
}

std::vector<ResolvedDependency> collect_dependencies(const PruningConfig& config,
                                                     const std::vector<ResolvedGroup>& groups) {
  std::map<std::string, ResolvedDependency> by_name;
  std::map<std::string, std::string> first_member;  // dependency -> its first parameter, for errors
  for (const ResolvedGroup& g : groups) {
    for (const ResolvedParameter& p : g.parameters) {
      if (p.dependency.empty()) continue;
      auto [it, fresh] = by_name.try_emplace(p.dependency);
      ResolvedDependency& dep = it->second;
      if (fresh) {
        dep.name = p.dependency;
        dep.mask_shape = p.mask_shape;
        first_member[dep.name] = p.name;
      }
      PARE_CHECK(p.mask_shape == dep.mask_shape, where(config, g.index, "dependency_group"),
                 quoted(g.group.dependency_group), ": ", p.name, " has mask shape ", shape_str(p.mask_shape), " but ",
                 first_member[dep.name], " in the same dependency group ", quoted(dep.name), " has ",
                 shape_str(dep.mask_shape));
      if (dep.groups.empty() || dep.groups.back() != g.index) {
        if (!dep.groups.empty()) {
          const std::string field = disagreement(config.groups[dep.groups.front()], g.group);
          PARE_CHECK(field.empty(), where(config, g.index, field), "differs from group ", dep.groups.front(),
                     " although both are in dependency group ", quoted(dep.name));
        }
        dep.groups.push_back(g.index);
      }
      dep.parameters.push_back(p.name);
    }
  }
  std::vector<ResolvedDependency> out;
  for (auto& [name, dep] : by_name) out.push_back(std::move(dep));
  return out;
}

}  // namespace

ResolvedPruning resolve(const PruningConfig& config, const std::vector<PruneParameterInfo>& parameters) {
  ResolvedPruning out;
  std::map<std::string, std::size_t> owner;  // parameter -> the group that took it
  for (std::size_t i = 0; i < config.groups.size(); ++i) {
    out.groups.push_back(resolve_group(config, i, parameters));
    for (const ResolvedParameter& p : out.groups.back().parameters) {
      const auto [it, fresh] = owner.try_emplace(p.name, i);
      PARE_CHECK(fresh, where(config, i, "op_names"), "selects ", p.name, ", which group ", it->second,
                 " selects too: a parameter belongs to one group at most");
    }
  }
  out.dependencies = collect_dependencies(config, out.groups);
  return out;
}

ResolvedPruning resolve(const PruningConfig& config, const BertTaskModel& model) {
  return resolve(config, describe_bert_parameters(model));
}

}  // namespace pare
