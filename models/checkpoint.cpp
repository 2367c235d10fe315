#include "models/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "models/weight_fit.h"              // bert_weight_shapes, check_weights_fit_config
#include "runtime/io/json_file.h"           // read_json_file
#include "runtime/io/json_reader.h"         // JsonReader
#include "runtime/io/pytorch_checkpoint.h"  // load_pytorch_checkpoint
#include "runtime/io/safetensors.h"

namespace pare {
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void add_tensor(StateDict& dict, const std::string& name, Tensor t, const std::string& source) {
  PARE_CHECK(dict.emplace(name, std::move(t)).second, source, ": tensor \"", name, "\" appears twice");
}

void read_safetensors_into(StateDict& dict, const fs::path& file, const std::vector<std::string>* only) {
  const SafetensorsFile st = SafetensorsFile::open(file);
  const std::vector<std::string> names = only ? *only : st.names();
  for (const std::string& name : names) {
    const SafetensorsEntry& entry = st.info(name);  // throws naming the file when absent
    if (shape_numel(entry.shape) == 0) continue;
    add_tensor(dict, name, st.load(name), file.string());
  }
}

// A sharded checkpoint's index: shard file -> the tensors it holds.
std::map<std::string, std::vector<std::string>> shard_names(const fs::path& index_path) {
  const nlohmann::json index = read_json_file(index_path, "sharded checkpoint index");
  // HF's index: its "metadata" (total_size) and whatever else it grows are not pare's to refuse.
  const JsonReader r(index, index_path.string(), "", UnknownKeys::allow);
  // Every key of weight_map is a tensor name, none known in advance.
  const JsonReader weight_map = r.member("weight_map", UnknownKeys::allow);
  std::map<std::string, std::vector<std::string>> by_shard;
  for (const std::string& name : weight_map.finish()) {
    const std::string shard = weight_map.required<std::string>(name);
    PARE_CHECK(!shard.empty() && shard.find('/') == std::string::npos && shard.find('\\') == std::string::npos &&
                   shard != "." && shard != "..",
               index_path.string(), ": weight_map[\"", name, "\"] names \"", shard,
               "\"; shards must be plain file names in the model directory");
    by_shard[shard].push_back(name);
  }
  PARE_CHECK(!by_shard.empty(), index_path.string(), ": weight_map is empty");
  return by_shard;
}

void read_sharded(StateDict& dict, const fs::path& index_path) {
  for (const auto& [shard, names] : shard_names(index_path))
    read_safetensors_into(dict, index_path.parent_path() / shard, &names);
}

// Legacy and prefix spellings -> the model's names, dropping what HF itself never loads. `Value` is
// a Tensor when loading, a Shape when checking headers alone.
template <typename Value>
std::map<std::string, Value> normalize_names(const std::string& prefix, BertTask task,
                                             const std::map<std::string, Value>& tensors,
                                             CheckpointLoadReport& report) {
  std::map<std::string, Value> out;
  for (const auto& [original, tensor] : tensors) {
    std::string name = original;
    if (name.ends_with("embeddings.position_ids")) continue;  // a buffer HF recomputes
    if (name.ends_with("LayerNorm.gamma")) name = name.substr(0, name.size() - 5) + "weight";
    if (name.ends_with("LayerNorm.beta")) name = name.substr(0, name.size() - 4) + "bias";
    if (prefix.empty() && name.starts_with("bert.")) {
      name = name.substr(5);
    } else if (!prefix.empty() &&
               (name.starts_with("embeddings.") || name.starts_with("encoder.") || name.starts_with("pooler."))) {
      name = prefix + name;
    }
    if (name != original) report.renamed.push_back(original + " -> " + name);
    PARE_CHECK(out.emplace(name, tensor).second, report.source, ": tensor \"", name, "\" appears twice");
  }
  if (task == BertTask::masked_lm) {
    // The decoder is the word embedding table; HF ties it, and older files also store the copy.
    out.erase("cls.predictions.decoder.weight");
    auto bias = out.find("cls.predictions.decoder.bias");
    if (bias != out.end()) {
      if (!out.count("cls.predictions.bias")) out.emplace("cls.predictions.bias", bias->second);
      out.erase(bias);
    }
  }
  return out;
}

WeightShapes shapes_of(const StateDict& tensors) {
  WeightShapes shapes;
  for (const auto& [name, t] : tensors) shapes.emplace(name, t.shape());
  return shapes;
}

// The shapes of a directory's tensors as read_checkpoint_tensors would give them, from the
// safetensors headers alone.
WeightShapes read_checkpoint_shapes(const fs::path& dir, std::string& source) {
  PARE_CHECK(fs::is_directory(dir), dir.string(), ": not a model directory");
  WeightShapes shapes;
  const auto add_headers = [&](const fs::path& file, const std::vector<std::string>* only) {
    const SafetensorsFile st = SafetensorsFile::open(file);
    for (const std::string& name : only ? *only : st.names()) {
      const Shape& shape = st.info(name).shape;
      if (shape_numel(shape) == 0) continue;
      PARE_CHECK(shapes.emplace(name, shape).second, file.string(), ": tensor \"", name, "\" appears twice");
    }
  };
  if (fs::exists(dir / "model.safetensors")) {
    source = (dir / "model.safetensors").string();
    add_headers(dir / "model.safetensors", nullptr);
  } else if (fs::exists(dir / "model.safetensors.index.json")) {
    source = (dir / "model.safetensors.index.json").string();
    for (const auto& [shard, names] : shard_names(dir / "model.safetensors.index.json"))
      add_headers(dir / shard, &names);
  } else {
    // pytorch_model.bin has no header of shapes apart from its data: it is read whole.
    const CheckpointTensors weights = read_checkpoint_tensors(dir);
    source = weights.source;
    shapes = shapes_of(weights.tensors);
  }
  return shapes;
}

// The scales of an int8 weight: each finite and positive (a row of zeros is stored with scale 1), so
// that a zero, negative or NaN scale, which would silently zero or poison a row, is damage named.
void check_int8_scales(const Tensor& scale, const std::string& name, const std::string& source) {
  PARE_CHECK(scale.dtype() == DType::f32, source, ": tensor \"", name, "\" has dtype ", dtype_name(scale.dtype()),
             "; int8 scales are F32");
  const std::vector<float> values = scale.to_vector<float>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    PARE_CHECK(std::isfinite(values[i]) && values[i] > 0.0f, source, ": tensor \"", name, "\" holds ", values[i],
               " at row ", i, "; every int8 scale must be finite and positive");
  }
}

// A tensor of a task head in a checkpoint: anything but the base model's embeddings, encoder and
// pooler, with or without the "bert." prefix.
bool is_task_head_tensor(const std::string& name) {
  const std::string_view base = name.starts_with("bert.") ? std::string_view(name).substr(5) : std::string_view(name);
  return !base.starts_with("embeddings.") && !base.starts_with("encoder.") && !base.starts_with("pooler.");
}

}  // namespace

CheckpointTensors read_checkpoint_tensors(const fs::path& dir) {
  PARE_CHECK(fs::is_directory(dir), dir.string(), ": not a model directory");
  CheckpointTensors out;
  if (fs::exists(dir / "model.safetensors")) {
    out.source = (dir / "model.safetensors").string();
    read_safetensors_into(out.tensors, dir / "model.safetensors", nullptr);
  } else if (fs::exists(dir / "model.safetensors.index.json")) {
    out.source = (dir / "model.safetensors.index.json").string();
    read_sharded(out.tensors, dir / "model.safetensors.index.json");
  } else if (fs::exists(dir / "pytorch_model.bin")) {
    out.source = (dir / "pytorch_model.bin").string();
    for (auto& [name, t] : load_pytorch_checkpoint(dir / "pytorch_model.bin")) {
      if (t.numel() > 0) add_tensor(out.tensors, name, t, out.source);
    }
  } else {
    throw Error(dir.string() +
                ": no weights (looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin)");
  }
  for (auto& [name, t] : out.tensors) {
    if (t.dtype() == DType::f16 || t.dtype() == DType::bf16) t = t.to(DType::f32);
  }
  return out;
}

void load_checkpoint_tensors(BertTaskModel& model, const StateDict& tensors, const std::string& source,
                             CheckpointLoadReport& report) {
  report.source = source;
  const std::string prefix = model.bert_prefix();
  const StateDict named = normalize_names(prefix, model.task(), tensors, report);
  const StateDict own = model.state_dict();
  for (const auto& [name, t] : named) {
    const auto it = own.find(name);
    if (it == own.end()) continue;
    const bool int8 = it->second.dtype() == DType::i8;
    PARE_CHECK(int8 == (t.dtype() == DType::i8), source, ": tensor \"", name, "\" has dtype ", dtype_name(t.dtype()),
               int8                     ? "; config.json's \"quantization\" makes it an int8 weight (I8)"
               : t.dtype() == DType::i8 ? "; config.json does not make it an int8 weight (no \"quantization\" entry, "
                                          "written by `pare quantize`, or one that keeps it f32)"
                                        : "; model weights must be floating point");
  }
  check_weights_fit_config(shapes_of(own), shapes_of(named), model.config(), prefix, source);
  for (const auto& [name, t] : named) {
    if (own.count(name) && name.ends_with(".weight_scale")) check_int8_scales(t, name, source);
  }
  // What is left missing is a head or pooler (the check refuses the rest): initialised. An int8
  // weight or its scales cannot be: zeros would pass for weights.
  const StateDictLoadReport loaded = model.load_state_dict(named, false);
  for (const std::string& name : loaded.missing) {
    PARE_CHECK(own.at(name).dtype() != DType::i8 && !name.ends_with(".weight_scale"), source,
               ": the int8 model lacks tensor \"", name,
               "\" (config.json's \"quantization\" makes that weight int8, "
               "with a scale per row in \"<weight>_scale\")");
  }
  report.initialised = loaded.missing;
  report.unexpected = loaded.unexpected;
}

void check_checkpoint_fits_config(const fs::path& dir) {
  const BertConfig config = BertConfig::load(dir);
  const BertTask task = task_from_architectures(config.architectures, (dir / "config.json").string());
  const std::string prefix = task == BertTask::base ? "" : "bert.";
  CheckpointLoadReport report;
  const WeightShapes stored = read_checkpoint_shapes(dir, report.source);
  check_weights_fit_config(bert_weight_shapes(config, task), normalize_names(prefix, task, stored, report), config,
                           prefix, report.source);
}

LoadedBert load_pretrained(const fs::path& dir, const LoadOptions& options) {
  BertConfig config = BertConfig::load(dir);
  const std::string config_path = (dir / "config.json").string();
  const BertTask task = options.task ? *options.task : task_from_architectures(config.architectures, config_path);
  if (options.num_labels) config.set_num_labels(*options.num_labels);
  if (options.num_labels && static_cast<std::int64_t>(options.label_names.size()) == *options.num_labels) {
    for (std::size_t i = 0; i < options.label_names.size(); ++i)
      config.id2label[static_cast<std::int64_t>(i)] = options.label_names[i];
  }
  if (options.problem_type) config.problem_type = *options.problem_type;
  config.architectures = {architecture_name(task)};
  config.validate(config_path);
  LoadedBert out;
  out.model = make_bert_model(config, task, options.seed);
  CheckpointTensors weights = read_checkpoint_tensors(dir);
  if (options.new_head)
    std::erase_if(weights.tensors, [](const auto& entry) { return is_task_head_tensor(entry.first); });
  load_checkpoint_tensors(*out.model, weights.tensors, weights.source, out.report);
  return out;
}

std::string CheckpointLoadReport::summary() const {
  std::string out = "loaded " + source;
  if (!initialised.empty()) out += "\n  initialised (not in the checkpoint): " + join(initialised);
  if (!unexpected.empty()) out += "\n  ignored (not in the model): " + join(unexpected);
  return out;
}

NamedTensors hf_state_dict(const BertTaskModel& model, WeightView view) {
  if (view == WeightView::as_forward) return model.named_forward_parameters();
  NamedTensors out;
  for (const auto& [name, t] : model.named_parameters()) out.emplace_back(name, t.detach());
  return out;
}

void save_pretrained(const BertTaskModel& model, const fs::path& dir, WeightView view) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  PARE_CHECK(!ec && fs::is_directory(dir), dir.string(), ": cannot create the model directory: ", ec.message());
  BertConfig config = model.config();
  config.architectures = {architecture_name(model.task())};
  config.validate(dir.string());
  save_safetensors(dir / "model.safetensors", hf_state_dict(model, view), {{"format", "pt"}});
  config.save(dir / "config.json");
}

}  // namespace pare
