#include "prune/parameter_roles.h"

#include <string_view>

#include "models/bert.h"  // BertTaskModel
#include "prune/name_pattern.h"

namespace pare {
namespace {

// A family of HF names (after any prefix such as "bert.") and the role its parameters play.
struct Role {
  NamePattern pattern;
  PruneOpType op_type;
  int head_axis;
  std::vector<int> hidden_axes;
};

const std::vector<Role>& roles() {
  static const std::string layer = R"((?:.*\.)?encoder\.layer\.[0-9]+\.)";
  static const std::string top = R"((?:.*\.)?)";
  static const std::vector<Role> table = [] {
    auto re = [](const std::string& s) { return NamePattern::compile(s); };
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
        {re(top + R"(qa_outputs\.weight)"), PruneOpType::linear, -1, {1}},
        {re(R"(.*_embeddings\.weight)"), PruneOpType::embedding, -1, {}},
    };
  }();
  return table;
}

// The N of the first "encoder.layer.N." that starts the name or follows a dot; -1 when none does.
std::int64_t layer_index(std::string_view name) {
  constexpr std::string_view kPrefix = "encoder.layer.";
  for (std::size_t at = name.find(kPrefix); at != std::string_view::npos; at = name.find(kPrefix, at + 1)) {
    if (at > 0 && name[at - 1] != '.') continue;
    std::size_t end = at + kPrefix.size();
    std::int64_t index = 0;
    while (end < name.size() && name[end] >= '0' && name[end] <= '9' && index < (std::int64_t{1} << 40)) {
      index = index * 10 + (name[end] - '0');
      ++end;
    }
    if (end > at + kPrefix.size() && end < name.size() && name[end] == '.') return index;
  }
  return -1;
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
      if (!role.pattern.matches(name)) continue;
      info.op_type = role.op_type;
      info.head_axis = role.head_axis;
      info.hidden_axes = role.hidden_axes;
      break;
    }
    const bool known_layer = info.layer >= 0 && info.layer < static_cast<std::int64_t>(config.layer_shapes.size());
    if (info.head_axis >= 0 && known_layer) info.head_dim = config.layer_shapes[info.layer].head_dim;
    // Axes the shape does not have (a bias-only remnant, a malformed tensor) carry no role.
    const int rank = static_cast<int>(shape.size());
    std::erase_if(info.hidden_axes, [rank](int axis) { return axis >= rank; });
    if (info.head_axis >= rank) info.head_axis = -1;
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
