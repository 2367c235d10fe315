#include "export/onnx_graph.h"

#include <cstring>

#include "runtime/error.h"

namespace pare {
namespace {

void set_value_info(onnx::ValueInfoProto& info, const std::string& name, onnx::TensorProto::DataType type,
                    const std::vector<std::string>& dims) {
  info.set_name(name);
  onnx::TypeProto_Tensor* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  for (const std::string& dim : dims) {
    onnx::TensorShapeProto_Dimension* d = shape->add_dim();
    if (!dim.empty() && dim.find_first_not_of("0123456789") == std::string::npos) {
      d->set_dim_value(std::stoll(dim));
    } else {
      d->set_dim_param(dim);
    }
  }
}

}  // namespace

void OnnxGraph::add_input(const std::string& name, onnx::TensorProto::DataType type,
                          const std::vector<std::string>& dims) {
  set_value_info(*graph_.add_input(), name, type, dims);
}

void OnnxGraph::add_output(const std::string& name, onnx::TensorProto::DataType type,
                           const std::vector<std::string>& dims) {
  set_value_info(*graph_.add_output(), name, type, dims);
}

std::string OnnxGraph::weight(const std::string& name, const Tensor& t) {
  const Tensor host = t.detach().to(Device::cpu()).contiguous();
  onnx::TensorProto* init = graph_.add_initializer();
  init->set_name(name);
  for (std::int64_t d : host.shape()) init->add_dims(d);
  if (host.dtype() == DType::f32) {
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->set_raw_data(host.data<float>(), static_cast<std::size_t>(host.numel()) * sizeof(float));
  } else if (host.dtype() == DType::i64) {
    init->set_data_type(onnx::TensorProto::INT64);
    init->set_raw_data(host.data<std::int64_t>(), static_cast<std::size_t>(host.numel()) * sizeof(std::int64_t));
  } else if (host.dtype() == DType::i8 || host.dtype() == DType::u8) {
    init->set_data_type(host.dtype() == DType::i8 ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8);
    init->set_raw_data(host.raw_data(), static_cast<std::size_t>(host.numel()));
  } else {
    throw Error(detail::concat("ONNX export: ", name, " is ", dtype_name(host.dtype()),
                               "; only f32, i64, i8 and u8 tensors are written"));
  }
  return name;
}

std::string OnnxGraph::transposed_weight(const std::string& name, const Tensor& t) {
  PARE_CHECK(t.dim() == 2, "ONNX export: ", name, " must be a matrix, got ", shape_str(t.shape()));
  return weight(name + ".T", t.detach().transpose(0, 1).contiguous());
}

std::string OnnxGraph::scalar(float value) {
  return weight(unique("const_f"), Tensor::from_vector(std::vector<float>{value}, {}));
}

std::string OnnxGraph::scalar_u8(std::uint8_t value) {
  return weight(unique("const_u8"), Tensor::from_vector(std::vector<std::uint8_t>{value}, {}));
}

std::string OnnxGraph::scalar_i64(std::int64_t value) {
  return weight(unique("const_i"), Tensor::from_vector(std::vector<std::int64_t>{value}, {}));
}

std::string OnnxGraph::ints(const std::vector<std::int64_t>& values) {
  return weight(unique("const_ints"), Tensor::from_vector(values, {static_cast<std::int64_t>(values.size())}));
}

std::string OnnxGraph::node(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint,
                            const std::function<void(onnx::NodeProto&)>& attributes) {
  const std::string output = unique(hint);
  node_into(op, inputs, output, attributes);
  return output;
}

void OnnxGraph::node_into(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                          const std::function<void(onnx::NodeProto&)>& attributes) {
  onnx::NodeProto* n = graph_.add_node();
  n->set_op_type(op);
  n->set_name(output + "/" + op);
  for (const std::string& input : inputs) n->add_input(input);
  n->add_output(output);
  if (attributes) attributes(*n);
}

void OnnxGraph::set_int(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void OnnxGraph::set_float(onnx::NodeProto& n, const std::string& name, float value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void OnnxGraph::set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& values) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (std::int64_t v : values) a->add_ints(v);
}

std::string OnnxGraph::unique(const std::string& hint) { return hint + "_" + std::to_string(counter_++); }

}  // namespace pare
