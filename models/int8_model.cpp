#include "models/int8_model.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/nn/embedding.h"
#include "runtime/nn/linear.h"
#include "runtime/ops/quantized.h"  // quantize_rows

namespace pare {
namespace {

// The name BertModel gives a module of `model` (its names without the task head's "bert."), or ""
// for a module outside the encoder.
std::string encoder_name(const BertTaskModel& model, const std::string& name) {
  const std::string prefix = model.bert_prefix();
  return name.starts_with(prefix) ? name.substr(prefix.size()) : std::string();
}

// `weight` (f32, rows of one output channel or one embedding) as int8 rows. A row of zeros (a
// pruned unit not yet removed) is stored with scale 1, so that a zero scale in a file always means
// damage (models/checkpoint.cpp refuses it).
QuantizedRows quantize_weight(const Tensor& weight, const std::string& name) {
  const QuantizedRows q = quantize_rows(weight.to(Device::cpu()).contiguous());
  std::vector<float> scale = q.scale.to_vector<float>();
  for (std::size_t row = 0; row < scale.size(); ++row) {
    PARE_CHECK(!std::isnan(scale[row]), "quantize: ", name, ".weight holds NaN or an infinity in row ", row,
               "; the model cannot be quantized");
    if (scale[row] == 0.0f) scale[row] = 1.0f;
  }
  return {q.values, Tensor::from_vector(scale, q.scale.shape())};
}

}  // namespace

std::vector<std::string> int8_candidates(const BertTaskModel& model) {
  std::vector<std::string> out;
  for (const auto& [name, module] : const_cast<BertTaskModel&>(model).named_modules()) {
    const std::string inner = encoder_name(model, name);
    if (inner.empty() || !BertQuantization::can_quantize(inner)) continue;
    if (inner == "embeddings.word_embeddings" && model.task() == BertTask::masked_lm) continue;
    if (dynamic_cast<Linear*>(module) != nullptr || dynamic_cast<Embedding*>(module) != nullptr) out.push_back(name);
  }
  return out;
}

std::shared_ptr<BertTaskModel> quantize_model(const BertTaskModel& model, const QuantizeOptions& options) {
  check_not_int8(model.config(), "quantize", "quantizing");
  const std::vector<std::string> candidates = int8_candidates(model);
  BertConfig config = model.config();
  BertQuantization scheme;
  scheme.word_embeddings = model.task() != BertTask::masked_lm;
  for (const std::string& name : options.keep_f32) {
    PARE_CHECK(std::find(candidates.begin(), candidates.end(), name) != candidates.end(), "quantize: \"", name,
               "\" is not a module quantize makes int8 (the linear layers of the encoder, the pooler and the word "
               "embeddings, as in \"",
               candidates.empty() ? std::string() : candidates.front(), "\")");
    const std::string inner = encoder_name(model, name);
    if (inner == "embeddings.word_embeddings") {
      scheme.word_embeddings = false;
    } else if (std::find(scheme.kept_f32.begin(), scheme.kept_f32.end(), inner) == scheme.kept_f32.end()) {
      scheme.kept_f32.push_back(inner);
    }
  }
  config.quantization = scheme;

  const NoGradGuard no_grad;
  std::shared_ptr<BertTaskModel> out = make_bert_model(config, model.task());
  // The f32 tensors as the forward pass reads them (masks applied); the int8 modules' weights are
  // quantized into place below, everything else is copied.
  StateDict f32;
  for (const auto& [name, t] : model.named_forward_parameters()) f32.emplace(name, t.to(Device::cpu()));
  StateDict copied;
  std::vector<std::pair<std::string, Module*>> int8_modules;
  for (const auto& [name, module] : out->named_modules()) {
    const std::string inner = encoder_name(*out, name);
    const bool table = dynamic_cast<Linear*>(module) != nullptr || dynamic_cast<Embedding*>(module) != nullptr;
    // A layer without heads or units keeps a bias alone (BiasOnlyDense) under the same name.
    if (table && !inner.empty() && scheme.quantizes(inner)) int8_modules.emplace_back(name, module);
  }
  for (const auto& entry : f32) {
    const bool int8_weight = std::any_of(int8_modules.begin(), int8_modules.end(),
                                         [&](const auto& m) { return entry.first == m.first + ".weight"; });
    if (!int8_weight) copied.emplace(entry);
  }
  const StateDictLoadReport report = out->load_state_dict(copied, false);
  for (const std::string& name : report.missing) {
    PARE_CHECK(name.ends_with(".weight") || name.ends_with(".weight_scale"), "quantize: the model has no tensor \"",
               name, "\"");
  }
  for (const auto& [name, module] : int8_modules) {
    const QuantizedRows q = quantize_weight(f32.at(name + ".weight"), name);
    if (auto* linear = dynamic_cast<Linear*>(module)) {
      linear->set_int8(q.values, q.scale);
    } else if (auto* table = dynamic_cast<Embedding*>(module)) {
      table->set_int8(q.values, q.scale);
    }
  }
  out->to(model.bert().device());
  if (!model.is_training()) out->eval();
  return out;
}

namespace {

// RMS of (a - b) over RMS of b, in double.
double relative_rms(const Tensor& a, const Tensor& b) {
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    diff += (x[i] - y[i]) * (x[i] - y[i]);
    norm += y[i] * y[i];
  }
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

double output_error(const BertOutputs& got, const BertOutputs& want) {
  double error = relative_rms(got.last_hidden_state, want.last_hidden_state);
  if (want.logits.defined()) error = std::max(error, relative_rms(got.logits, want.logits));
  return error;
}

}  // namespace

std::vector<Int8ModuleError> int8_errors_by_module(const BertTaskModel& model, const BertInputs& inputs) {
  const NoGradGuard no_grad;
  const std::vector<std::string> candidates = int8_candidates(model);
  // Two private copies: every candidate kept f32 (the reference, whose modules are made int8 one at a
  // time) and every candidate int8 (where their int8 weights come from).
  const std::shared_ptr<BertTaskModel> probe = quantize_model(model, {candidates});
  const std::shared_ptr<BertTaskModel> int8 = quantize_model(model);
  probe->eval();
  const BertOutputs want = probe->forward(inputs);
  std::map<std::string, Module*> int8_modules;
  for (const auto& [name, module] : int8->named_modules()) int8_modules.emplace(name, module);
  std::vector<Int8ModuleError> out;
  for (const auto& [name, module] : probe->named_modules()) {
    if (std::find(candidates.begin(), candidates.end(), name) == candidates.end()) continue;
    const Module& source = *int8_modules.at(name);
    const Tensor f32 = module->parameter("weight");
    if (auto* linear = dynamic_cast<Linear*>(module)) {
      linear->set_int8(source.parameter("weight"), source.parameter("weight_scale"));
    } else if (auto* table = dynamic_cast<Embedding*>(module)) {
      table->set_int8(source.parameter("weight"), source.parameter("weight_scale"));
    }
    out.push_back({name, output_error(probe->forward(inputs), want)});
    // Back to f32: the forward follows the weight's dtype; the scale left beside it goes unread.
    module->set_parameter("weight", f32);
  }
  std::stable_sort(out.begin(), out.end(), [](const Int8ModuleError& a, const Int8ModuleError& b) {
    return a.relative_error > b.relative_error;
  });
  return out;
}

void check_not_int8(const BertConfig& config, const std::string& source, const std::string& action) {
  PARE_CHECK(!config.quantization, source, ": an int8 model (config.json \"quantization\"); ", action,
             " needs the f32 model it was quantized from: run it on that, then `pare quantize` the result");
}

}  // namespace pare
