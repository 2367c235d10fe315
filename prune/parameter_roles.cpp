#include "prune/parameter_roles.h"

#include <regex>

#include "models/bert.h"  // BertTaskModel

namespace pare {
namespace {

// A family of HF names (after any prefix such as "bert.") and the role its parameters play.
struct Role {
  std::regex pattern;
  PruneOpType op_type;
  int head_axis;
  std::vector<int> hidden_axes;
};

const std::vector<Role>& roles() {
  static const std::string layer = R"((?:.*\.)?encoder\.layer\.[0-9]+\.)";
  static const std::string top = R"((?:.*\.)?)";
  static const std::vector<Role> table = [] {
    auto re = [](const std::string& s) { return std::regex(s, std::regex::ECMAScript); };
    return std::vector<Role>{
        {re(top + R"(embeddings\.(word|position|token_type)_embeddings\.weight)"), PruneOpType::embedding, -1, {1}},
        {re(R"(.*LayerNorm\.(weight|bias))"), PruneOpType::layer_norm, -1, {0}},
        {re(layer + R"(attention\.self\.(query|key|value)\.weight)"), PruneOpType::linear, 0, {1}},
        {re(layer + R"(attention\.self\.(query|key|value)\.bias)"), PruneOpType::linear, 0, {}},
        {re(layer + R"(attention\.output\.dense\.weight)"), PruneOpType::linear, 1, {0}},
        {re(layer + R"(attention\.output\.dense\.bias)"), PruneOpType::linear, -1, {0}},
        {re(layer + R"(intermediate\.dense\.weight)"), PruneOpType::linear, -1, {1}},
        {re(layer + R"(output\.dense\.(weight|bias))"), PruneOpType::linear, -1, {0}},
        {re(top + R"(pooler\.dense\.weight)"), PruneOpType::linear, -1, {0, 1}},
        {re(top + R"(pooler\.dense\.bias)"), PruneOpType::linear, -1, {0}},
        {re(top + R"(cls\.predictions\.transform\.dense\.weight)"), PruneOpType::linear, -1, {0, 1}},
        {re(top + R"(cls\.predictions\.transform\.dense\.bias)"), PruneOpType::linear, -1, {0}},
        {re(top + R"(classifier\.weight)"), PruneOpType::linear, -1, {1}},
        {re(R"(.*_embeddings\.weight)"), PruneOpType::embedding, -1, {}},
    };
  }();
  return table;
}

std::int64_t layer_index(const std::string& name) {
  static const std::regex pattern(R"((?:^|\.)encoder\.layer\.([0-9]+)\.)", std::regex::ECMAScript);
  std::smatch match;
  if (!std::regex_search(name, match, pattern)) return -1;
  return std::stoll(match[1].str());
}

}  // namespace

std::vector<PruneParameterInfo> describe_bert_parameters(const NamedShapes& parameters, const BertConfig& config) {
  std::vector<PruneParameterInfo> out;
  out.reserve(parameters.size());
  for (const auto& [name, shape] : parameters) {
    PruneParameterInfo info;
    info.name = name;
    info.shape = shape;
    info.layer = layer_index(name);
    for (const Role& role : roles()) {
      if (!std::regex_match(name, role.pattern)) continue;
      info.op_type = role.op_type;
      info.head_axis = role.head_axis;
      info.hidden_axes = role.hidden_axes;
      break;
    }
    const bool known_layer = info.layer >= 0 && info.layer < static_cast<std::int64_t>(config.layer_shapes.size());
    if (info.head_axis >= 0 && known_layer) info.head_dim = config.layer_shapes[info.layer].head_dim;
    // Axes the shape does not have (a bias-only remnant, a malformed tensor) carry no role.
    std::erase_if(info.hidden_axes, [&](int axis) { return axis >= static_cast<int>(shape.size()); });
    if (info.head_axis >= static_cast<int>(shape.size())) info.head_axis = -1;
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<PruneParameterInfo> describe_bert_parameters(const BertTaskModel& model) {
  NamedShapes shapes;
  for (const auto& [name, tensor] : model.named_parameters()) shapes.emplace_back(name, tensor.shape());
  return describe_bert_parameters(shapes, model.config());
}

}  // namespace pare
