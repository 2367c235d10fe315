#include "prune/model_size.h"

#include <iomanip>
#include <sstream>

namespace pare {
namespace {

bool has_pooler(BertTask task) { return task == BertTask::base || task == BertTask::sequence_classification; }

double ratio(double part, double whole) { return whole == 0 ? 0.0 : part / whole; }

nlohmann::json parameters_json(const ParameterCounts& p) {
  return {{"embeddings", p.embeddings},
          {"encoder", p.encoder},
          {"pooler", p.pooler},
          {"head", p.head},
          {"total", p.total()}};
}

nlohmann::json plain_json(const ModelSize& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const BertLayerShape& l : s.layers) {
    layers.push_back({{"heads", l.heads}, {"head_dim", l.head_dim}, {"ffn_dim", l.ffn_dim}});
  }
  nlohmann::json out = {{"task", architecture_name(s.task)},
                        {"hidden_size", s.hidden_size},
                        {"layers", layers},
                        {"parameters", parameters_json(s.parameters)},
                        {"seq_len", s.seq_len},
                        {"flops_per_token", {{"encoder", s.encoder_flops_per_token}, {"total", s.flops_per_token}}}};
  if (s.layer_norm_size != s.hidden_size) out["layer_norm_size"] = s.layer_norm_size;
  return out;
}

}  // namespace

ModelSize measure_model(const BertConfig& config, BertTask task, std::int64_t seq_len) {
  PARE_CHECK(seq_len >= 1, "measure_model: seq_len must be at least 1, got ", seq_len);
  const std::int64_t h = config.hidden_size, labels = config.num_labels();
  ModelSize s;
  s.task = task;
  s.hidden_size = h;
  s.layer_norm_size = config.layer_norm_size();
  s.layers = config.layer_shapes;
  s.seq_len = seq_len;
  ParameterCounts& p = s.parameters;
  p.embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * h + 2 * h;
  // Per token, counting a multiply-add as 2 FLOPs and only matmuls (LayerNorm, softmax, GELU and
  // the residual adds are O(h) and left out). A layer with w = heads * head_dim and f FFN units:
  //   Q, K, V projections 2 * h * 3w, scores QK^T 2 * T * w, context (probabilities x V) 2 * T * w,
  //   output projection 2 * w * h, FFN 2 * h * f + 2 * f * h.
  const auto T = static_cast<double>(seq_len);
  for (const BertLayerShape& l : config.layer_shapes) {
    const std::int64_t w = l.heads * l.head_dim, f = l.ffn_dim;
    const std::int64_t attention = l.heads > 0 ? 3 * (h * w + w) + w * h + h : h;
    const std::int64_t ffn = f > 0 ? h * f + f + f * h + h : h;
    p.encoder += attention + ffn + 4 * h;  // two LayerNorms
    s.encoder_flops_per_token += 2.0 * h * 3 * w + 4.0 * T * w + 2.0 * w * h + 4.0 * h * f;
  }
  double head_flops = 0;  // per token; per-sequence work (pooler, sequence classifier) is divided by T
  if (has_pooler(task)) {
    p.pooler = h * h + h;
    head_flops += 2.0 * h * h / T;
  }
  switch (task) {
    case BertTask::base:
      break;
    case BertTask::sequence_classification:
      p.head = h * labels + labels;
      head_flops += 2.0 * h * labels / T;
      break;
    case BertTask::token_classification:
      p.head = h * labels + labels;
      head_flops += 2.0 * h * labels;
      break;
    case BertTask::question_answering:
      p.head = h * 2 + 2;
      head_flops += 2.0 * h * 2;
      break;
    case BertTask::masked_lm:
      p.head = h * h + h + 2 * h + config.vocab_size;  // transform dense, LayerNorm, output bias
      head_flops += 2.0 * h * h + 2.0 * h * config.vocab_size;
      break;
  }
  s.flops_per_token = s.encoder_flops_per_token + head_flops;
  return s;
}

nlohmann::json model_size_json(const ModelSize& size, const ModelSize* original) {
  nlohmann::json out = plain_json(size);
  if (original) {
    out["original"] = plain_json(*original);
    const ParameterCounts &a = size.parameters, &b = original->parameters;
    out["ratios"] = {{"embeddings", ratio(a.embeddings, b.embeddings)},
                     {"encoder", ratio(a.encoder, b.encoder)},
                     {"pooler", ratio(a.pooler, b.pooler)},
                     {"head", ratio(a.head, b.head)},
                     {"total", ratio(a.total(), b.total())},
                     {"flops_per_token", ratio(size.flops_per_token, original->flops_per_token)}};
  }
  return out;
}

std::string model_size_text(const ModelSize& size, const ModelSize* original) {
  std::ostringstream out;
  out << architecture_name(size.task) << ", hidden size " << size.hidden_size;
  if (size.layer_norm_size != size.hidden_size) out << " (LayerNorms over " << size.layer_norm_size << ")";
  out << ", " << size.layers.size() << " layers\n";
  out << "layer  heads  head_dim  ffn_units";
  if (original) out << "   (original: heads  ffn_units)";
  out << "\n";
  for (std::size_t i = 0; i < size.layers.size(); ++i) {
    const BertLayerShape& l = size.layers[i];
    out << std::setw(5) << i << std::setw(7) << l.heads << std::setw(10) << l.head_dim << std::setw(11) << l.ffn_dim;
    if (original && i < original->layers.size()) {
      out << "   " << std::setw(17) << original->layers[i].heads << std::setw(11) << original->layers[i].ffn_dim;
    }
    out << "\n";
  }
  auto row = [&](const char* name, double value, double before) {
    out << std::left << std::setw(30) << name << std::right << std::setw(16) << std::fixed << std::setprecision(0)
        << value;
    if (original) {
      out << std::setw(16) << before << std::setw(9) << std::setprecision(3) << ratio(value, before);
    }
    out << "\n";
  };
  out << std::left << std::setw(30) << "" << std::right << std::setw(16) << "this model";
  if (original) out << std::setw(16) << "original" << std::setw(9) << "ratio";
  out << "\n";
  const ParameterCounts& a = size.parameters;
  const ParameterCounts b = original ? original->parameters : ParameterCounts{};
  row("parameters: embeddings", a.embeddings, b.embeddings);
  row("parameters: encoder", a.encoder, b.encoder);
  row("parameters: pooler", a.pooler, b.pooler);
  row("parameters: head", a.head, b.head);
  row("parameters: total", a.total(), b.total());
  const std::string at = " (T=" + std::to_string(size.seq_len) + ")";
  row(("encoder FLOPs/token" + at).c_str(), size.encoder_flops_per_token,
      original ? original->encoder_flops_per_token : 0);
  row(("FLOPs/token" + at).c_str(), size.flops_per_token, original ? original->flops_per_token : 0);
  return out.str();
}

}  // namespace pare
