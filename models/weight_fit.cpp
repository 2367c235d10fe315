#include "models/weight_fit.h"

#include <optional>
#include <vector>

#include "runtime/error.h"

namespace pare {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The layer index of "encoder.layer.<i>.<rest>", and rest; nullopt for other names.
std::optional<std::pair<std::int64_t, std::string>> encoder_layer(const std::string& name) {
  const std::string head = "encoder.layer.";
  if (!name.starts_with(head)) return std::nullopt;
  const std::size_t dot = name.find('.', head.size());
  if (dot == std::string::npos) return std::nullopt;
  try {
    std::size_t used = 0;
    const std::string digits = name.substr(head.size(), dot - head.size());
    const std::int64_t index = std::stoll(digits, &used);
    if (used != digits.size() || index < 0) return std::nullopt;
    return std::make_pair(index, name.substr(dot + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Whether the layer shapes come from "pare_layer_shapes" rather than the HF fields.
bool has_pare_layer_shapes(const BertConfig& config) {
  try {
    return config.layer_shapes != config.hf_layer_shapes();
  } catch (const Error&) {
    return true;
  }
}

std::string layer_fields(const BertConfig& config, std::int64_t layer, bool attention) {
  const BertLayerShape& s = config.layer_shapes[static_cast<std::size_t>(layer)];
  const std::string hidden = ", hidden_size = " + std::to_string(config.hidden_size);
  const std::string i = std::to_string(layer);
  if (has_pare_layer_shapes(config)) {
    return attention
               ? detail::concat("pare_layer_shapes[", i, "] heads = ", s.heads, ", head_dim = ", s.head_dim, hidden)
               : detail::concat("pare_layer_shapes[", i, "] ffn_dim = ", s.ffn_dim, hidden);
  }
  if (!attention) return detail::concat("intermediate_size = ", config.intermediate_size, hidden);
  std::string out = detail::concat("num_attention_heads = ", config.num_attention_heads, hidden);
  if (const auto pruned = config.pruned_heads.find(layer); pruned != config.pruned_heads.end())
    out += detail::concat(", pruned_heads[", i, "] has ", pruned->second.size());
  return out;
}

void add_linear(WeightShapes& out, const std::string& name, std::int64_t in, std::int64_t out_features) {
  out[name + ".weight"] = {out_features, in};
  out[name + ".bias"] = {out_features};
}

void add_layer_norm(WeightShapes& out, const std::string& name, std::int64_t width) {
  out[name + ".weight"] = {width};
  out[name + ".bias"] = {width};
}

}  // namespace

WeightShapes bert_weight_shapes(const BertConfig& config, BertTask task) {
  const std::string p = task == BertTask::base ? "" : "bert.";
  const std::int64_t h = config.hidden_size;
  WeightShapes out;
  out[p + "embeddings.word_embeddings.weight"] = {config.vocab_size, h};
  out[p + "embeddings.position_embeddings.weight"] = {config.max_position_embeddings, h};
  out[p + "embeddings.token_type_embeddings.weight"] = {config.type_vocab_size, h};
  add_layer_norm(out, p + "embeddings.LayerNorm", h);
  for (std::size_t i = 0; i < config.layer_shapes.size(); ++i) {
    const BertLayerShape& s = config.layer_shapes[i];
    const std::string layer = p + "encoder.layer." + std::to_string(i) + ".";
    const std::int64_t width = s.heads * s.head_dim;
    if (s.heads > 0) {
      for (const char* part : {"query", "key", "value"}) add_linear(out, layer + "attention.self." + part, h, width);
      add_linear(out, layer + "attention.output.dense", width, h);
    } else {
      out[layer + "attention.output.dense.bias"] = {h};
    }
    add_layer_norm(out, layer + "attention.output.LayerNorm", h);
    if (s.ffn_dim > 0) {
      add_linear(out, layer + "intermediate.dense", h, s.ffn_dim);
      add_linear(out, layer + "output.dense", s.ffn_dim, h);
    } else {
      out[layer + "output.dense.bias"] = {h};
    }
    add_layer_norm(out, layer + "output.LayerNorm", h);
  }
  if (task == BertTask::base || task == BertTask::sequence_classification) add_linear(out, p + "pooler.dense", h, h);
  if (task == BertTask::sequence_classification || task == BertTask::token_classification)
    add_linear(out, "classifier", h, config.num_labels());
  if (task == BertTask::question_answering) add_linear(out, "qa_outputs", h, 2);
  if (task == BertTask::masked_lm) {
    out["cls.predictions.bias"] = {config.vocab_size};
    add_linear(out, "cls.predictions.transform.dense", h, h);
    add_layer_norm(out, "cls.predictions.transform.LayerNorm", h);
  }
  if (config.quantization) {
    // One scale per row of each int8 weight (models/bert_config.h BertQuantization).
    WeightShapes scales;
    for (const auto& [name, shape] : out) {
      if (!name.starts_with(p) || !name.ends_with(".weight")) continue;
      const std::string module = name.substr(p.size(), name.size() - p.size() - 7);
      if (config.quantization->quantizes(module)) scales[name + "_scale"] = {shape.front()};
    }
    out.merge(scales);
  }
  return out;
}

std::string config_fields_of(const std::string& name, const BertConfig& config, const std::string& prefix) {
  const std::string base = !prefix.empty() && name.starts_with(prefix) ? name.substr(prefix.size()) : name;
  const std::string hidden = "hidden_size = " + std::to_string(config.hidden_size);
  if (base == "embeddings.word_embeddings.weight" || base == "cls.predictions.bias")
    return detail::concat("vocab_size = ", config.vocab_size, ", ", hidden);
  if (base == "embeddings.position_embeddings.weight")
    return detail::concat("max_position_embeddings = ", config.max_position_embeddings, ", ", hidden);
  if (base == "embeddings.token_type_embeddings.weight")
    return detail::concat("type_vocab_size = ", config.type_vocab_size, ", ", hidden);
  if (base.starts_with("classifier."))
    return detail::concat("num_labels = ", config.num_labels(), " (id2label), ", hidden);
  if (base.starts_with("qa_outputs.")) return detail::concat("2 (start and end), ", hidden);
  if (const auto layer = encoder_layer(base)) {
    const auto& [index, rest] = *layer;
    if (index >= static_cast<std::int64_t>(config.layer_shapes.size()))
      return detail::concat("num_hidden_layers = ", config.layer_shapes.size());
    if (rest.starts_with("attention.self.") || rest == "attention.output.dense.weight")
      return layer_fields(config, index, true);
    if (rest.starts_with("intermediate.") || rest == "output.dense.weight") return layer_fields(config, index, false);
  }
  return hidden;
}

void check_weights_fit_config(const WeightShapes& expected, const WeightShapes& stored, const BertConfig& config,
                              const std::string& prefix, const std::string& source) {
  const auto in_base = [&](const std::string& name) {
    return name.starts_with(prefix + "embeddings.") || name.starts_with(prefix + "encoder.");
  };
  std::vector<std::string> missing;
  for (const auto& [name, shape] : expected) {
    const auto found = stored.find(name);
    if (found == stored.end()) {
      if (in_base(name)) missing.push_back(name);
      continue;
    }
    PARE_CHECK(found->second == shape, source, ": tensor \"", name, "\" ", shape_str(found->second),
               " does not fit the model that config.json describes, whose tensor is ", shape_str(shape), " (",
               config_fields_of(name, config, prefix), ")");
  }
  for (const auto& [name, shape] : stored) {
    PARE_CHECK(expected.count(name) || !in_base(name), source, ": tensor \"", name, "\" ", shape_str(shape),
               " has no place in the model that config.json describes (", config_fields_of(name, config, prefix),
               "); the config does not account for the checkpoint's weights");
  }
  PARE_CHECK(missing.empty(), source, ": the checkpoint lacks encoder weights (", missing.size(), "): ", join(missing));
}

}  // namespace pare
