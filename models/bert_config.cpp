#include "models/bert_config.h"

#include <algorithm>
#include <set>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"  // write_file_atomically
#include "runtime/io/json_file.h"    // read_json_file
#include "runtime/io/json_path.h"    // json_member_path, json_element_path
#include "runtime/io/json_reader.h"  // JsonReader

namespace pare {
namespace {

using nlohmann::json;

// Bounds on config sizes far past any BERT, so that no product of them overflows 64 bits.
constexpr std::int64_t kMaxVocabulary = kMaxBertVocabulary;
constexpr std::int64_t kMaxWidth = std::int64_t{1} << 20;
constexpr std::int64_t kMaxLayers = kMaxBertLayers;
constexpr std::int64_t kMaxLabels = std::int64_t{1} << 24;

constexpr const char* kLayerShapesKey = "pare_layer_shapes";
constexpr const char* kLayerNormSizeKey = "pare_layer_norm_size";

// A key of id2label or pruned_heads: a decimal index.
std::int64_t parse_index(const std::string& text, const JsonReader& reader, const char* key) {
  std::size_t used = 0;
  std::int64_t index = -1;
  try {
    index = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  reader.check(used == text.size() && !text.empty(), key, "has a key that is not an integer (\"" + text + "\")");
  return index;
}

std::map<std::int64_t, std::string> read_id2label(const JsonReader& reader) {
  std::map<std::int64_t, std::string> id2label;
  const json& v = reader.at("id2label");
  reader.check(v.is_object(), "id2label", "must be an object of \"id\": \"label\"");
  for (const auto& [key, label] : v.items()) {
    reader.check(label.is_string(), "id2label", "must map ids to strings");
    id2label[parse_index(key, reader, "id2label")] = label.get<std::string>();
  }
  std::int64_t expected = 0;
  for (const auto& [id, label] : id2label) {
    reader.check(id == expected++, "id2label", "must hold the ids 0 .. num_labels-1");
  }
  return id2label;
}

std::map<std::int64_t, std::vector<std::int64_t>> read_pruned_heads(const JsonReader& reader) {
  std::map<std::int64_t, std::vector<std::int64_t>> pruned;
  const json& v = reader.at("pruned_heads");
  reader.check(v.is_object(), "pruned_heads", "must be an object of \"layer\": [heads]");
  for (const auto& [key, heads] : v.items()) {
    const std::string path = json_member_path(reader.where("pruned_heads"), key);
    PARE_CHECK(heads.is_array(), reader.source(), ": field \"", path, "\" must be a list of head indices, got ",
               heads.dump());
    std::vector<std::int64_t> list;
    for (std::size_t i = 0; i < heads.size(); ++i) {
      list.push_back(json_value_as<std::int64_t>(heads[i], reader.source(), json_element_path(path, i),
                                                 {.min = 0, .max = kMaxWidth}));
    }
    pruned[parse_index(key, reader, "pruned_heads")] = list;
  }
  return pruned;
}

constexpr const char* kQuantizationKey = "quantization";
constexpr const char* kInt8Method = "int8";
constexpr const char* kInt8Weights = "symmetric, one scale per output channel";
constexpr const char* kInt8Activations = "dynamic, symmetric, one scale per row";
constexpr const char* kInt8Embeddings = "symmetric, one scale per row";

BertQuantization read_quantization(const JsonReader& reader) {
  const JsonReader q = reader.member(kQuantizationKey, UnknownKeys::refuse);
  BertQuantization out;
  q.check(q.required<std::string>("method") == kInt8Method, "method",
          "must be \"int8\" (the only scheme this pare runs)");
  q.check(q.required<std::string>("weights") == kInt8Weights, "weights",
          std::string("must be \"") + kInt8Weights + "\"");
  q.check(q.required<std::string>("activations") == kInt8Activations, "activations",
          std::string("must be \"") + kInt8Activations + "\"");
  const std::string embeddings = q.required<std::string>("word_embeddings");
  q.check(embeddings == kInt8Embeddings || embeddings == "f32", "word_embeddings",
          std::string("must be \"") + kInt8Embeddings + "\" or \"f32\"");
  out.word_embeddings = embeddings != "f32";
  out.kept_f32 = q.list<std::string>("kept_f32");
  q.finish();
  return out;
}

json quantization_json(const BertQuantization& q) {
  return json{{"method", kInt8Method},
              {"weights", kInt8Weights},
              {"activations", kInt8Activations},
              {"word_embeddings", q.word_embeddings ? kInt8Embeddings : "f32"},
              {"kept_f32", q.kept_f32}};
}

std::vector<BertLayerShape> read_layer_shapes(const JsonReader& reader) {
  const json& v = reader.at(kLayerShapesKey);
  reader.check(v.is_array(), kLayerShapesKey, "must be an array of {\"heads\", \"head_dim\", \"ffn_dim\"}");
  std::vector<BertLayerShape> shapes;
  for (std::size_t i = 0; i < v.size(); ++i) {
    // pare's own field: unlike the rest of config.json, its keys are all known.
    const JsonReader layer(v[i], reader.source(), json_element_path(reader.where(kLayerShapesKey), i),
                           UnknownKeys::refuse);
    BertLayerShape shape;
    shape.heads = layer.required<std::int64_t>("heads", {.min = 0, .max = kMaxWidth});
    shape.head_dim = layer.required<std::int64_t>("head_dim", {.min = 1, .max = kMaxWidth});
    shape.ffn_dim = layer.required<std::int64_t>("ffn_dim", {.min = 0, .max = kMaxWidth});
    layer.finish();
    shapes.push_back(shape);
  }
  return shapes;
}

}  // namespace

double BertConfig::parameter_count() const {
  const double h = static_cast<double>(hidden_size);
  // Summed as doubles: a named size's vocabulary comes from an option, and int64 sums could wrap.
  double n = (static_cast<double>(vocab_size) + static_cast<double>(max_position_embeddings) +
              static_cast<double>(type_vocab_size)) *
                 h +
             2 * h;
  for (const BertLayerShape& s : layer_shapes) {
    const double inner = static_cast<double>(s.heads * s.head_dim), ffn = static_cast<double>(s.ffn_dim);
    n += 4 * h * inner + 3 * inner + h + 2 * h + 2 * h * ffn + ffn + h + 2 * h;
  }
  return n + h * h + h + static_cast<double>(num_labels()) * (h + 1);
}

void BertConfig::set_num_labels(std::int64_t n) {
  PARE_CHECK(n >= 1, "BertConfig: num_labels must be at least 1, got ", n);
  id2label.clear();
  for (std::int64_t i = 0; i < n; ++i) id2label[i] = "LABEL_" + std::to_string(i);
}

BertActivation BertConfig::activation() const {
  if (hidden_act == "gelu") return BertActivation::gelu;
  if (hidden_act == "gelu_new" || hidden_act == "gelu_pytorch_tanh") return BertActivation::gelu_tanh;
  if (hidden_act == "relu") return BertActivation::relu;
  throw Error("BertConfig: field \"hidden_act\" must be gelu, gelu_new, gelu_pytorch_tanh or relu, got \"" +
              hidden_act + "\"");
}

std::vector<BertLayerShape> BertConfig::hf_layer_shapes() const {
  PARE_CHECK(num_attention_heads > 0 && hidden_size % num_attention_heads == 0, "BertConfig: field \"hidden_size\" (",
             hidden_size, ") is not a multiple of \"num_attention_heads\" (", num_attention_heads,
             ") and there is no \"", kLayerShapesKey, "\" giving each layer's shape");
  const std::int64_t head_dim = hidden_size / num_attention_heads;
  std::vector<BertLayerShape> shapes(static_cast<std::size_t>(num_hidden_layers),
                                     BertLayerShape{num_attention_heads, head_dim, intermediate_size});
  for (const auto& [layer, heads] : pruned_heads) {
    if (layer >= 0 && layer < num_hidden_layers) {
      shapes[static_cast<std::size_t>(layer)].heads -= static_cast<std::int64_t>(heads.size());
    }
  }
  return shapes;
}

void BertConfig::reset_layer_shapes() { layer_shapes = hf_layer_shapes(); }

void BertConfig::validate(const std::string& source) const {
  auto fail = [&](const char* field, const auto& value, const std::string& what) {
    throw Error(detail::concat(source, ": field \"", field, "\" ", what, ", got ", value));
  };
  if (vocab_size < 1) fail("vocab_size", vocab_size, "must be positive");
  if (hidden_size < 1) fail("hidden_size", hidden_size, "must be positive");
  if (num_hidden_layers < 0) fail("num_hidden_layers", num_hidden_layers, "must not be negative");
  if (num_attention_heads < 1) fail("num_attention_heads", num_attention_heads, "must be positive");
  if (intermediate_size < 0) fail("intermediate_size", intermediate_size, "must not be negative");
  if (max_position_embeddings < 1) fail("max_position_embeddings", max_position_embeddings, "must be positive");
  if (type_vocab_size < 1) fail("type_vocab_size", type_vocab_size, "must be positive");
  if (!(layer_norm_eps > 0)) fail("layer_norm_eps", layer_norm_eps, "must be positive");
  if (pad_token_id < 0 || pad_token_id >= vocab_size) {
    fail("pad_token_id", pad_token_id, "must be a token id below vocab_size (" + std::to_string(vocab_size) + ")");
  }
  for (double p : {hidden_dropout_prob, attention_probs_dropout_prob, classifier_dropout_prob()}) {
    if (!(p >= 0 && p < 1))
      fail("hidden_dropout_prob/attention_probs_dropout_prob/classifier_dropout", p, "must lie in [0, 1)");
  }
  try {
    (void)activation();
  } catch (const Error&) {
    fail("hidden_act", "\"" + hidden_act + "\"", "must be gelu, gelu_new, gelu_pytorch_tanh or relu");
  }
  if (id2label.empty()) fail("id2label", "{}", "must hold at least one label");
  if (!problem_type.empty() && problem_type != "regression" && problem_type != "single_label_classification" &&
      problem_type != "multi_label_classification") {
    fail("problem_type", "\"" + problem_type + "\"",
         "must be regression, single_label_classification or multi_label_classification");
  }
  if (problem_type == "regression" && num_labels() != 1) {
    fail("problem_type", "\"regression\"", "needs exactly one label, not " + std::to_string(num_labels()));
  }
  for (const auto& [layer, heads] : pruned_heads) {
    if (layer < 0 || layer >= num_hidden_layers) {
      fail("pruned_heads", layer, "names a layer outside 0 .. " + std::to_string(num_hidden_layers - 1));
    }
    std::set<std::int64_t> seen;
    for (std::int64_t h : heads) {
      if (h < 0 || h >= num_attention_heads || !seen.insert(h).second) {
        fail("pruned_heads", h,
             "of layer " + std::to_string(layer) + " is not a distinct head below num_attention_heads");
      }
    }
  }
  if (layer_norm_size() < hidden_size) {
    fail(kLayerNormSizeKey, layer_norm_size(),
         "must be at least hidden_size (" + std::to_string(hidden_size) + "): it counts the removed dimensions too");
  }
  if (static_cast<std::int64_t>(layer_shapes.size()) != num_hidden_layers) {
    fail(kLayerShapesKey, layer_shapes.size(),
         "must have one entry per layer (num_hidden_layers = " + std::to_string(num_hidden_layers) + ")");
  }
  for (std::size_t i = 0; i < layer_shapes.size(); ++i) {
    const BertLayerShape& s = layer_shapes[i];
    if (s.heads < 0 || s.head_dim < 1 || s.ffn_dim < 0) {
      fail(kLayerShapesKey,
           "{heads " + std::to_string(s.heads) + ", head_dim " + std::to_string(s.head_dim) + ", ffn_dim " +
               std::to_string(s.ffn_dim) + "}",
           "layer " + std::to_string(i) + " needs heads >= 0, head_dim >= 1 and ffn_dim >= 0");
    }
  }
}

bool BertQuantization::can_quantize(const std::string& name) {
  if (name == "pooler.dense" || name == "embeddings.word_embeddings") return true;
  if (!name.starts_with("encoder.layer.")) return false;
  for (const char* linear : {".attention.self.query", ".attention.self.key", ".attention.self.value",
                             ".attention.output.dense", ".intermediate.dense", ".output.dense"}) {
    if (name.ends_with(linear)) return true;
  }
  return false;
}

bool BertQuantization::quantizes(const std::string& name) const {
  if (!can_quantize(name)) return false;
  if (name == "embeddings.word_embeddings") return word_embeddings;
  return std::find(kept_f32.begin(), kept_f32.end(), name) == kept_f32.end();
}

BertConfig BertConfig::from_json(const json& j, const std::string& source) {
  PARE_CHECK(j.is_object(), source, ": a BERT config must be a JSON object, got ", j.type_name());
  // HF's config.json carries many fields pare does not use (transformers_version, torch_dtype,
  // ...): they are allowed and kept in `extra`, written back unchanged.
  const JsonReader r(j, source, "", UnknownKeys::allow);
  BertConfig c;
  c.model_type = r.get<std::string>("model_type", c.model_type);
  r.check(c.model_type == "bert", "model_type", "must be \"bert\"");
  // Upper bounds far past any BERT, so that products of sizes cannot overflow; whether a model of
  // these sizes fits this machine is checked when it is built (BertConfig::parameter_count).
  c.vocab_size = r.get<std::int64_t>("vocab_size", c.vocab_size, {.min = 1, .max = kMaxVocabulary});
  c.hidden_size = r.get<std::int64_t>("hidden_size", c.hidden_size, {.min = 1, .max = kMaxWidth});
  c.num_hidden_layers = r.get<std::int64_t>("num_hidden_layers", c.num_hidden_layers, {.min = 0, .max = kMaxLayers});
  c.num_attention_heads =
      r.get<std::int64_t>("num_attention_heads", c.num_attention_heads, {.min = 1, .max = kMaxWidth});
  c.intermediate_size = r.get<std::int64_t>("intermediate_size", c.intermediate_size, {.min = 0, .max = kMaxWidth});
  c.hidden_act = r.get<std::string>("hidden_act", c.hidden_act);
  const Bounds<double> probability{.min = 0.0, .max = 1.0};
  c.hidden_dropout_prob = r.get<double>("hidden_dropout_prob", c.hidden_dropout_prob, probability);
  c.attention_probs_dropout_prob =
      r.get<double>("attention_probs_dropout_prob", c.attention_probs_dropout_prob, probability);
  c.classifier_dropout = r.optional<double>("classifier_dropout", probability);
  c.max_position_embeddings =
      r.get<std::int64_t>("max_position_embeddings", c.max_position_embeddings, {.min = 1, .max = kMaxBertPositions});
  c.type_vocab_size = r.get<std::int64_t>("type_vocab_size", c.type_vocab_size, {.min = 1, .max = kMaxVocabulary});
  c.initializer_range = r.get<double>("initializer_range", c.initializer_range, {.min = 0.0, .max = 1e9});
  c.layer_norm_eps = r.get<double>("layer_norm_eps", c.layer_norm_eps, probability);
  c.pad_token_id = r.get<std::int64_t>("pad_token_id", c.pad_token_id, {.min = 0});
  c.problem_type = r.get<std::string>("problem_type", "");
  const std::string position_type = r.get<std::string>("position_embedding_type", "absolute");
  r.check(position_type == "absolute", "position_embedding_type",
          "must be \"absolute\" (the only kind pare implements)");
  c.architectures = r.list<std::string>("architectures");
  if (r.has("id2label")) {
    c.id2label = read_id2label(r);
    if (r.has("num_labels")) {
      r.check(r.required<std::int64_t>("num_labels", {.min = 1}) == c.num_labels(), "num_labels",
              "disagrees with id2label");
    }
  } else if (r.has("num_labels")) {
    c.set_num_labels(r.required<std::int64_t>("num_labels", {.min = 1, .max = kMaxLabels}));
  }
  r.skip("label2id");  // the inverse of id2label, which to_json writes from it
  c.pare_layer_norm_size = r.optional<std::int64_t>(kLayerNormSizeKey, {.min = 1, .max = kMaxWidth});
  if (r.has("pruned_heads")) c.pruned_heads = read_pruned_heads(r);
  if (r.has(kQuantizationKey)) c.quantization = read_quantization(r);
  if (r.has(kLayerShapesKey)) {
    c.layer_shapes = read_layer_shapes(r);
  } else {
    try {
      c.reset_layer_shapes();
    } catch (const Error& e) {
      throw Error(source + ": " + e.what());
    }
  }
  for (const std::string& key : r.finish()) c.extra[key] = j.at(key);
  c.validate(source);
  return c;
}

BertConfig BertConfig::load(const std::filesystem::path& path) {
  const bool is_file = !std::filesystem::is_directory(path) && path.extension() == ".json";
  const std::filesystem::path file = is_file ? path : path / "config.json";
  return from_json(read_json_file(file, "model config"), file.string());
}

json BertConfig::to_json() const {
  json j = extra;
  j["model_type"] = model_type;
  if (!architectures.empty()) j["architectures"] = architectures;
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["intermediate_size"] = intermediate_size;
  j["hidden_act"] = hidden_act;
  j["hidden_dropout_prob"] = hidden_dropout_prob;
  j["attention_probs_dropout_prob"] = attention_probs_dropout_prob;
  j["classifier_dropout"] = classifier_dropout ? json(*classifier_dropout) : json(nullptr);
  j["max_position_embeddings"] = max_position_embeddings;
  j["type_vocab_size"] = type_vocab_size;
  j["initializer_range"] = initializer_range;
  j["layer_norm_eps"] = layer_norm_eps;
  j["pad_token_id"] = pad_token_id;
  j["position_embedding_type"] = "absolute";
  json id2label_json = json::object(), label2id_json = json::object();
  for (const auto& [id, label] : id2label) {
    id2label_json[std::to_string(id)] = label;
    label2id_json[label] = id;
  }
  j["id2label"] = id2label_json;
  j["label2id"] = label2id_json;
  if (!problem_type.empty()) j["problem_type"] = problem_type;
  json pruned = json::object();
  for (const auto& [layer, heads] : pruned_heads) pruned[std::to_string(layer)] = heads;
  j["pruned_heads"] = pruned;
  if (layer_norm_size() != hidden_size) j[kLayerNormSizeKey] = layer_norm_size();
  if (quantization) j[kQuantizationKey] = quantization_json(*quantization);
  bool hf_shapes = false;
  try {
    hf_shapes = layer_shapes == hf_layer_shapes();
  } catch (const Error&) {
    hf_shapes = false;
  }
  if (!hf_shapes) {
    json shapes = json::array();
    for (const BertLayerShape& s : layer_shapes) {
      shapes.push_back({{"heads", s.heads}, {"head_dim", s.head_dim}, {"ffn_dim", s.ffn_dim}});
    }
    j[kLayerShapesKey] = shapes;
  }
  return j;
}

void BertConfig::save(const std::filesystem::path& path) const {
  validate(path.string());
  const std::filesystem::path file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  write_file_atomically(file, to_json().dump(2) + "\n");
}

}  // namespace pare
