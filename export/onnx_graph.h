// OnnxGraph: builds an ONNX GraphProto node by node (libonnx's protobuf classes) with names made
// unique, weights as initializers and small constants, so that exporters read as the computation.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace pare {

class OnnxGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto& graph) : graph_(graph) {}

  // A graph input or output: int64 or float with the named (dynamic) or fixed dimensions.
  void add_input(const std::string& name, onnx::TensorProto::DataType type, const std::vector<std::string>& dims);
  void add_output(const std::string& name, onnx::TensorProto::DataType type, const std::vector<std::string>& dims);

  // `t` (f32, i64, i8 or u8, any device) as an initializer named `name`; returns the name.
  std::string weight(const std::string& name, const Tensor& t);
  // `t` ([rows, cols] f32 or i8) transposed: the right operand of x @ W^T as MatMul takes it.
  std::string transposed_weight(const std::string& name, const Tensor& t);
  std::string scalar(float value);
  std::string scalar_i64(std::int64_t value);
  std::string scalar_u8(std::uint8_t value);
  std::string ints(const std::vector<std::int64_t>& values);

  // Adds `op` on `inputs`; `attributes` fills the node's attributes. Returns the output's name
  // (`hint` made unique).
  std::string node(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint,
                   const std::function<void(onnx::NodeProto&)>& attributes = {});
  // As node(), naming the output exactly `output` (a graph output).
  void node_into(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                 const std::function<void(onnx::NodeProto&)>& attributes = {});

  static void set_int(onnx::NodeProto& n, const std::string& name, std::int64_t value);
  static void set_float(onnx::NodeProto& n, const std::string& name, float value);
  static void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& values);

 private:
  std::string unique(const std::string& hint);

  onnx::GraphProto& graph_;
  std::int64_t counter_ = 0;
};

}  // namespace pare
