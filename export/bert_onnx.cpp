#include "export/bert_onnx.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "export/onnx_graph.h"
#include "models/checkpoint.h"  // hf_state_dict, load_pretrained
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace pare {
namespace {

using Attributes = std::function<void(onnx::NodeProto&)>;

class BertGraph {
 public:
  BertGraph(const BertTaskModel& model, onnx::GraphProto& graph)
      : model_(model), config_(model.config()), graph_(graph), prefix_(model.bert_prefix()) {
    for (const auto& [name, t] : hf_state_dict(model, WeightView::as_forward)) weights_.emplace(name, t);
  }

  void build() {
    for (const char* input : {"input_ids", "attention_mask", "token_type_ids"}) {
      graph_.add_input(input, onnx::TensorProto::INT64, {"batch", "sequence"});
    }
    std::string x = embeddings();
    const std::string mask = additive_mask();
    for (std::size_t i = 0; i < config_.layer_shapes.size(); ++i) x = layer(x, mask, i);
    graph_.node_into("Identity", {x}, "last_hidden_state");
    graph_.add_output("last_hidden_state", onnx::TensorProto::FLOAT,
                      {"batch", "sequence", std::to_string(config_.hidden_size)});
    const std::string labels = std::to_string(config_.num_labels());
    if (model_.task() == BertTask::sequence_classification) {
      const std::string first = graph_.node("Gather", {x, graph_.scalar_i64(0)}, "first_token",
                                            [](onnx::NodeProto& n) { OnnxGraph::set_int(n, "axis", 1); });
      const std::string pooled = graph_.node("Tanh", {dense(first, prefix_ + "pooler.dense")}, "pooled");
      graph_.node_into("Identity", {dense(pooled, "classifier")}, "logits");
      graph_.add_output("logits", onnx::TensorProto::FLOAT, {"batch", labels});
    } else if (model_.task() == BertTask::token_classification) {
      graph_.node_into("Identity", {dense(x, "classifier")}, "logits");
      graph_.add_output("logits", onnx::TensorProto::FLOAT, {"batch", "sequence", labels});
    } else if (model_.task() == BertTask::question_answering) {
      // HF's two outputs: channel 0 of qa_outputs is the start, channel 1 the end.
      const std::string both = dense(x, "qa_outputs");
      for (const auto& [name, c] : {std::pair{"start_logits", 0}, std::pair{"end_logits", 1}}) {
        graph_.node_into("Gather", {both, graph_.scalar_i64(c)}, name,
                         [](onnx::NodeProto& n) { OnnxGraph::set_int(n, "axis", 2); });
        graph_.add_output(name, onnx::TensorProto::FLOAT, {"batch", "sequence"});
      }
    }
  }

 private:
  const Tensor& w(const std::string& name) const {
    const auto it = weights_.find(name);
    PARE_CHECK(it != weights_.end(), "ONNX export: the model has no tensor ", name);
    return it->second;
  }

  // x @ W^T + b for the linear layer `name`; int8 where the model has it so.
  std::string dense(const std::string& x, const std::string& name) {
    const Tensor& weight = w(name + ".weight");
    const std::string product =
        weight.dtype() == DType::i8
            ? int8_product(x, name)
            : graph_.node("MatMul", {x, graph_.transposed_weight(name + ".weight", weight)}, name + ".matmul");
    return graph_.node("Add", {product, graph_.weight(name + ".bias", w(name + ".bias"))}, name);
  }

  // The rows of `x` as pare's int8 products quantize them (kernels/int8.h): symmetric per row,
  // q = round-half-even(x * (127 / max|row|)), scale = max|row| / 127, a row of zeros all zeros. Made
  // once per tensor, so that attention's query, key and value share it as they do in pare.
  struct QuantizedRows {
    std::string values, scale;
  };
  const QuantizedRows& quantized(const std::string& x) {
    const auto found = quantized_.find(x);
    if (found != quantized_.end()) return found->second;
    const std::string largest =
        graph_.node("ReduceMax", {graph_.node("Abs", {x}, x + ".abs")}, x + ".max", [](onnx::NodeProto& n) {
          OnnxGraph::set_ints(n, "axes", {-1});
          OnnxGraph::set_int(n, "keepdims", 1);
        });
    // 127 / 0 is infinity, and 0 x infinity NaN: a row of zeros takes 0 instead.
    const std::string inverse =
        graph_.node("Where",
                    {graph_.node("Greater", {largest, graph_.scalar(0.0f)}, x + ".nonzero"),
                     graph_.node("Div", {graph_.scalar(127.0f), largest}, x + ".inverse_raw"), graph_.scalar(0.0f)},
                    x + ".inverse");
    // |x * inverse| <= 127 after rounding (kernels/cpu/int8.cpp), so the cast needs no clip. Stored as
    // uint8 q + 128 with zero point 128: the same integer sums, on the u8 x s8 products ONNX Runtime
    // runs fastest (its s8 x s8 MatMulInteger was 8-12x slower than pare on the default run's model).
    const std::string rounded = graph_.node("Round", {graph_.node("Mul", {x, inverse}, x + ".scaled")}, x + ".rounded");
    const std::string values =
        graph_.node("Cast", {graph_.node("Add", {rounded, graph_.scalar(128.0f)}, x + ".shifted")}, x + ".q",
                    [](onnx::NodeProto& n) { OnnxGraph::set_int(n, "to", onnx::TensorProto::UINT8); });
    const std::string scale = graph_.node("Div", {largest, graph_.scalar(127.0f)}, x + ".scale");
    return quantized_.emplace(x, QuantizedRows{values, scale}).first->second;
  }

  // x @ W^T for an int8 layer: exact integer sums (MatMulInteger, (q + 128) - 128 times s8 -> s32), then, in pare's
  // order, times the weight's scale per output channel and the row's scale.
  std::string int8_product(const std::string& x, const std::string& name) {
    const QuantizedRows& rows = quantized(x);
    if (activation_zero_point_.empty()) activation_zero_point_ = graph_.scalar_u8(128);
    const std::string sums = graph_.node(
        "MatMulInteger",
        {rows.values, graph_.transposed_weight(name + ".weight", w(name + ".weight")), activation_zero_point_},
        name + ".sums");
    const std::string as_float = graph_.node("Cast", {sums}, name + ".sums_f32", [](onnx::NodeProto& n) {
      OnnxGraph::set_int(n, "to", onnx::TensorProto::FLOAT);
    });
    const std::string channel_scaled = graph_.node(
        "Mul", {as_float, graph_.weight(name + ".weight_scale", w(name + ".weight_scale"))}, name + ".channel_scaled");
    return graph_.node("Mul", {channel_scaled, rows.scale}, name + ".matmul");
  }

  // The rows of the table `name` for `ids`; an int8 table's rows times their scales.
  std::string lookup(const std::string& name, const std::string& ids, const std::string& hint) {
    const Tensor& table = w(name + ".weight");
    const std::string rows = graph_.node("Gather", {graph_.weight(name + ".weight", table), ids}, hint);
    if (table.dtype() != DType::i8) return rows;
    const std::string scales = graph_.node(
        "Gather", {graph_.weight(name + ".weight_scale", w(name + ".weight_scale")), ids}, hint + ".scales");
    const std::string as_float = graph_.node("Cast", {rows}, hint + ".f32", [](onnx::NodeProto& n) {
      OnnxGraph::set_int(n, "to", onnx::TensorProto::FLOAT);
    });
    return graph_.node("Mul", {as_float, graph_.node("Unsqueeze", {scales, graph_.ints({-1})}, hint + ".scales_col")},
                       hint + ".dequantized");
  }

  std::string embeddings() {
    const std::string e = prefix_ + "embeddings.";
    const std::string words = lookup(e + "word_embeddings", "input_ids", "words");
    const std::string types = lookup(e + "token_type_embeddings", "token_type_ids", "token_types");
    // Positions 0 .. sequence - 1.
    const std::string shape = graph_.node("Shape", {"input_ids"}, "ids_shape");
    const std::string length = graph_.node("Gather", {shape, graph_.scalar_i64(1)}, "sequence_length");
    const std::string positions =
        graph_.node("Range", {graph_.scalar_i64(0), length, graph_.scalar_i64(1)}, "position_ids");
    const std::string position_vectors = lookup(e + "position_embeddings", positions, "positions");
    const std::string sum =
        graph_.node("Add", {graph_.node("Add", {words, types}, "words_types"), position_vectors}, "embedding_sum");
    return layer_norm(sum, e + "LayerNorm");
  }

  // (1 - mask) * lowest float, [batch, 1, 1, sequence]: added to every score.
  std::string additive_mask() {
    const std::string mask = graph_.node("Cast", {"attention_mask"}, "mask_f32", [](onnx::NodeProto& n) {
      OnnxGraph::set_int(n, "to", onnx::TensorProto::FLOAT);
    });
    const std::string padding = graph_.node("Sub", {graph_.scalar(1.0f), mask}, "padding");
    const std::string additive =
        graph_.node("Mul", {padding, graph_.scalar(std::numeric_limits<float>::lowest())}, "additive_mask");
    return graph_.node("Unsqueeze", {additive, graph_.ints({1, 2})}, "additive_mask_4d");
  }

  std::string layer_norm(const std::string& x, const std::string& name) {
    const std::string gamma = graph_.weight(name + ".weight", w(name + ".weight"));
    const std::string beta = graph_.weight(name + ".bias", w(name + ".bias"));
    const auto eps = static_cast<float>(config_.layer_norm_eps);
    if (config_.layer_norm_size() == config_.hidden_size) {
      return graph_.node("LayerNormalization", {x, gamma, beta}, name, [eps](onnx::NodeProto& n) {
        OnnxGraph::set_int(n, "axis", -1);
        OnnxGraph::set_float(n, "epsilon", eps);
      });
    }
    // Hidden dimensions removed: they are zeros of a row of layer_norm_size(), so the mean is the
    // kept sum over that width and each removed one adds mean^2 to the sum of squared deviations.
    const auto width = static_cast<float>(config_.layer_norm_size());
    const auto removed = static_cast<float>(config_.layer_norm_size() - config_.hidden_size);
    const std::string last = graph_.ints({-1});
    auto keep = [](onnx::NodeProto& n) { OnnxGraph::set_int(n, "keepdims", 1); };
    const std::string mean = graph_.node(
        "Div", {graph_.node("ReduceSum", {x, last}, name + ".sum", keep), graph_.scalar(width)}, name + ".mean");
    const std::string centred = graph_.node("Sub", {x, mean}, name + ".centred");
    const std::string squares =
        graph_.node("ReduceSum", {graph_.node("Mul", {centred, centred}, name + ".sq"), last}, name + ".sq_sum", keep);
    const std::string removed_part = graph_.node(
        "Mul", {graph_.node("Mul", {mean, mean}, name + ".mean_sq"), graph_.scalar(removed)}, name + ".removed");
    const std::string variance = graph_.node(
        "Div", {graph_.node("Add", {squares, removed_part}, name + ".sq_total"), graph_.scalar(width)}, name + ".var");
    const std::string deviation =
        graph_.node("Sqrt", {graph_.node("Add", {variance, graph_.scalar(eps)}, name + ".var_eps")}, name + ".std");
    const std::string normalised = graph_.node("Div", {centred, deviation}, name + ".normalised");
    return graph_.node("Add", {graph_.node("Mul", {normalised, gamma}, name + ".scaled"), beta}, name);
  }

  std::string activation(const std::string& x, const std::string& name) {
    switch (config_.activation()) {
      case BertActivation::relu:
        return graph_.node("Relu", {x}, name + ".relu");
      case BertActivation::gelu: {
        // 0.5 x (1 + erf(x / sqrt 2)), BERT's GELU.
        const std::string erf = graph_.node(
            "Erf", {graph_.node("Div", {x, graph_.scalar(std::sqrt(2.0f))}, name + ".scaled")}, name + ".erf");
        const std::string half = graph_.node("Mul", {x, graph_.scalar(0.5f)}, name + ".half");
        return graph_.node("Mul", {half, graph_.node("Add", {erf, graph_.scalar(1.0f)}, name + ".erf1")},
                           name + ".gelu");
      }
      case BertActivation::gelu_tanh: {
        // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
        const std::string cube = graph_.node("Mul", {graph_.node("Mul", {x, x}, name + ".sq"), x}, name + ".cube");
        const std::string inner = graph_.node(
            "Add", {x, graph_.node("Mul", {cube, graph_.scalar(0.044715f)}, name + ".cube_scaled")}, name + ".inner");
        const std::string t = graph_.node(
            "Tanh",
            {graph_.node("Mul", {inner, graph_.scalar(static_cast<float>(std::sqrt(2.0 / M_PI)))}, name + ".arg")},
            name + ".tanh");
        const std::string half = graph_.node("Mul", {x, graph_.scalar(0.5f)}, name + ".half");
        return graph_.node("Mul", {half, graph_.node("Add", {t, graph_.scalar(1.0f)}, name + ".tanh1")},
                           name + ".gelu");
      }
    }
    throw Error("ONNX export: unknown activation " + config_.hidden_act);
  }

  std::string layer(const std::string& x, const std::string& mask, std::size_t index) {
    const BertLayerShape& shape = config_.layer_shapes[index];
    const std::string p = prefix_ + "encoder.layer." + std::to_string(index) + ".";
    // Attention; with no heads left its output is the output projection's bias alone.
    std::string attention;
    if (shape.heads == 0) {
      attention = graph_.weight(p + "attention.output.dense.bias", w(p + "attention.output.dense.bias"));
    } else {
      auto split = [&](const std::string& name, std::vector<std::int64_t> perm) {
        const std::string heads = graph_.node(
            "Reshape", {dense(x, p + "attention.self." + name), graph_.ints({0, 0, shape.heads, shape.head_dim})},
            p + name + ".heads");
        return graph_.node("Transpose", {heads}, p + name + ".t",
                           [perm](onnx::NodeProto& n) { OnnxGraph::set_ints(n, "perm", perm); });
      };
      const std::string q = split("query", {0, 2, 1, 3}), k = split("key", {0, 2, 3, 1}),
                        v = split("value", {0, 2, 1, 3});
      const std::string scores = graph_.node(
          "Add",
          {graph_.node("Mul",
                       {graph_.node("MatMul", {q, k}, p + "scores.raw"),
                        graph_.scalar(static_cast<float>(1.0 / std::sqrt(static_cast<double>(shape.head_dim))))},
                       p + "scores.scaled"),
           mask},
          p + "scores");
      const std::string probabilities = graph_.node("Softmax", {scores}, p + "probabilities",
                                                    [](onnx::NodeProto& n) { OnnxGraph::set_int(n, "axis", -1); });
      const std::string context = graph_.node("Transpose", {graph_.node("MatMul", {probabilities, v}, p + "context.h")},
                                              p + "context.t", [](onnx::NodeProto& n) {
                                                OnnxGraph::set_ints(n, "perm", {0, 2, 1, 3});
                                              });
      const std::string merged =
          graph_.node("Reshape", {context, graph_.ints({0, 0, shape.heads * shape.head_dim})}, p + "context");
      attention = dense(merged, p + "attention.output.dense");
    }
    const std::string after_attention =
        layer_norm(graph_.node("Add", {attention, x}, p + "attention.residual"), p + "attention.output.LayerNorm");
    // FFN; with no units left its output is the second projection's bias alone.
    std::string ffn;
    if (shape.ffn_dim == 0) {
      ffn = graph_.weight(p + "output.dense.bias", w(p + "output.dense.bias"));
    } else {
      ffn = dense(activation(dense(after_attention, p + "intermediate.dense"), p + "intermediate"), p + "output.dense");
    }
    return layer_norm(graph_.node("Add", {ffn, after_attention}, p + "ffn.residual"), p + "output.LayerNorm");
  }

  const BertTaskModel& model_;
  const BertConfig& config_;
  OnnxGraph graph_;
  std::string prefix_;
  std::map<std::string, Tensor> weights_;
  std::map<std::string, QuantizedRows> quantized_;  // by the name of the tensor quantized
  std::string activation_zero_point_;               // the uint8 128 of every int8 product
};

}  // namespace

onnx::ModelProto bert_to_onnx(const BertTaskModel& model) {
  onnx::ModelProto proto;
  proto.set_ir_version(8);  // what opset 17 goes with
  proto.set_producer_name("pare");
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name(architecture_name(model.task()));
  BertGraph(model, *graph).build();
  return proto;
}

void export_onnx(const std::filesystem::path& model_dir, const std::filesystem::path& out, bool overwrite) {
  PARE_CHECK(!std::filesystem::is_directory(out), "pare export: --out ", out,
             " is a directory; give the file to write, such as ", out / "model.onnx");
  PARE_CHECK(overwrite || !std::filesystem::exists(out), "pare export: ", out,
             " exists; give --overwrite to replace it");
  const LoadedBert loaded = load_pretrained(model_dir);
  loaded.model->eval();
  onnx::ModelProto proto = bert_to_onnx(*loaded.model);
  try {
    onnx::checker::check_model(proto);
    onnx::ShapeInferenceOptions options{true, 1, true};  // check types, errors throw, propagate data
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    throw Error(std::string("pare export: ONNX's checker refuses the graph (a defect in pare): ") + e.what());
  }
  std::string bytes;
  PARE_CHECK(proto.SerializeToString(&bytes), "pare export: the model does not fit one protobuf (2 GiB)");
  write_file_atomically(out, bytes);
}

}  // namespace pare
