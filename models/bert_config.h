// BertConfig: Hugging Face's BERT config.json, plus the shape of every layer (heads, head size, FFN
// size), so that a pruned model is an ordinary model with other numbers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pare {

// The largest vocabulary, layer count and position count a config may give (config.json, a named size), far past
// any BERT, so that no product of sizes overflows 64 bits.
inline constexpr std::int64_t kMaxBertVocabulary = std::int64_t{1} << 31;
inline constexpr std::int64_t kMaxBertLayers = std::int64_t{1} << 12;
inline constexpr std::int64_t kMaxBertPositions = std::int64_t{1} << 31;

// The shape of one encoder layer. heads == 0 leaves only the attention output bias; ffn_dim == 0
// leaves only the FFN output bias.
struct BertLayerShape {
  std::int64_t heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t ffn_dim = 0;
  bool operator==(const BertLayerShape&) const = default;
};

enum class BertActivation { gelu, gelu_tanh, relu };

// What `pare quantize` made of a model (config.json "quantization"; absent for an f32 model). The
// arithmetic is fixed (kernels/int8.h: int8 weights with one scale per output channel, activations
// quantized per row as they arrive, both symmetric) and written out in full so that a reader sees
// the scheme, and a later pare with another one refuses this one by name instead of misreading it.
struct BertQuantization {
  // Word embeddings int8 with one scale per row; f32 where a masked-LM decoder shares them.
  bool word_embeddings = true;
  // Linear layers left f32 (`pare quantize --keep-f32`), by module name
  // ("bert.encoder.layer.3.output.dense").
  std::vector<std::string> kept_f32;
  bool operator==(const BertQuantization&) const = default;

  // Whether the module `name` (as BertModel names it: "encoder.layer.0.attention.self.query",
  // "pooler.dense", "embeddings.word_embeddings") is int8 under this scheme: every linear layer of the
  // encoder and the pooler, and the word embeddings when word_embeddings, less kept_f32.
  bool quantizes(const std::string& name) const;
  // The modules that can be int8 in a BERT encoder: the candidates for quantizes().
  static bool can_quantize(const std::string& name);
};

struct BertConfig {
  // HF fields, with HF's defaults (bert-base-uncased).
  std::int64_t vocab_size = 30522;
  std::int64_t hidden_size = 768;
  std::int64_t num_hidden_layers = 12;
  std::int64_t num_attention_heads = 12;
  std::int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";  // gelu, gelu_new, gelu_pytorch_tanh, relu
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  std::optional<double> classifier_dropout;  // hidden_dropout_prob when absent
  std::int64_t max_position_embeddings = 512;
  std::int64_t type_vocab_size = 2;
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-12;
  std::int64_t pad_token_id = 0;
  std::string model_type = "bert";
  std::vector<std::string> architectures;
  std::map<std::int64_t, std::string> id2label = {{0, "LABEL_0"}, {1, "LABEL_1"}};
  std::string problem_type;  // "", "regression", "single_label_classification", "multi_label_classification"
  // HF's own pruned form: layer -> removed heads (Q/K/V rows of those heads are absent).
  std::map<std::int64_t, std::vector<std::int64_t>> pruned_heads;

  // The width every LayerNorm normalises over, when hidden dimensions were removed (speed-up surgery,
  // prune/speedup.h): the original hidden size, whose removed dimensions count as zeros in each
  // LayerNorm's mean and variance, so the smaller model computes what the masked one did. Absent:
  // hidden_size. Saved as "pare_layer_norm_size" only when it differs from hidden_size.
  std::optional<std::int64_t> pare_layer_norm_size;

  // One entry per layer. Saved under "pare_layer_shapes" only when it differs from what the HF
  // fields and pruned_heads imply, so unpruned configs stay plain HF configs.
  std::vector<BertLayerShape> layer_shapes;
  // Set for an int8 model directory (models/int8_model.h).
  std::optional<BertQuantization> quantization;
  // Keys pare does not interpret (transformers_version, torch_dtype, ...), written back unchanged.
  nlohmann::json extra = nlohmann::json::object();

  std::int64_t num_labels() const { return static_cast<std::int64_t>(id2label.size()); }
  // Parameters of the encoder, embeddings, pooler and a classifier over num_labels (the masked-LM
  // head's transform is left out), as a double: a config's sizes may multiply past 2^63.
  double parameter_count() const;
  // Sets id2label to LABEL_0 .. LABEL_{n-1}, as HF does for num_labels = n.
  void set_num_labels(std::int64_t n);
  double classifier_dropout_prob() const { return classifier_dropout.value_or(hidden_dropout_prob); }
  std::int64_t layer_norm_size() const { return pare_layer_norm_size.value_or(hidden_size); }
  BertActivation activation() const;

  // The shapes the HF fields and pruned_heads describe; throws when hidden_size is not a multiple
  // of num_attention_heads.
  std::vector<BertLayerShape> hf_layer_shapes() const;
  // layer_shapes = hf_layer_shapes(): call after changing the HF fields of a config built in code.
  void reset_layer_shapes();
  // Throws pare::Error naming `source` and the field at fault.
  void validate(const std::string& source = "BertConfig") const;

  // `source` (a file name) is named in every error.
  static BertConfig from_json(const nlohmann::json& json, const std::string& source = "config.json");
  // `path` is a .json file or a model directory holding config.json.
  static BertConfig load(const std::filesystem::path& path);
  nlohmann::json to_json() const;
  // Writes `path` (a file, or config.json inside a directory) atomically.
  void save(const std::filesystem::path& path) const;
};

}  // namespace pare
