// Module: owns named parameters, buffers and child modules, and names them with the dotted paths
// Hugging Face uses ("encoder.layer.0.attention.self.query.weight"), so checkpoints map one to one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/named_tensors.h"
#include "runtime/tensor.h"

namespace pare {

// Maps a parameter to what the forward pass uses in its place (pruning's masks multiply weights this
// way). It must be built from autograd ops so gradients reach the parameter through it.
using ParameterTransform = std::function<Tensor(const Tensor& parameter)>;

// What load_state_dict(strict = false) left alone.
struct StateDictLoadReport {
  std::vector<std::string> missing;     // module entries the dict does not hold
  std::vector<std::string> unexpected;  // dict entries the module does not hold
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // Modules are shared by pointer (children, optimizers); a copy would silently share parameters.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Marks `value` as requiring grad (when it is floating point: an int8 weight is a parameter that
  // no optimizer trains) and keeps it under `name`. Names are unique within a module
  // across parameters, buffers and children; the order of registration is the order of iteration.
  Tensor register_parameter(const std::string& name, Tensor value);
  // A tensor saved in the state dict that the optimizer does not train (running statistics, masks).
  Tensor register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // Replace an existing entry, keeping its place in the order: how surgery swaps in a smaller
  // tensor or layer. The new tensor may have another shape.
  void set_parameter(const std::string& name, Tensor value);
  void set_buffer(const std::string& name, Tensor value);
  void set_module(const std::string& name, std::shared_ptr<Module> module);

  // The tensor the forward pass reads for this module's parameter `name`: transform(parameter) while
  // a transform is set for it, the parameter itself otherwise. Modules read weights through it.
  Tensor forward_parameter(const std::string& name) const;
  // Sets (or, with an empty function, clears) the transform of the parameter at `dotted_name`, a
  // path below this module as named_parameters() spells it. Throws naming the path when no such
  // parameter exists. Surgery that replaces the parameter keeps the transform; clear it first.
  void set_parameter_transform(const std::string& dotted_name, ParameterTransform transform);
  // Clears every transform of this module and below.
  void clear_parameter_transforms();

  // This module's own entries by local name; throw naming the module's entries when absent.
  const Tensor& parameter(const std::string& name) const;
  const Tensor& buffer(const std::string& name) const;
  const std::shared_ptr<Module>& child(const std::string& name) const;

  // Recursive, depth first: a module's own entries, then each child's under "child_name.".
  NamedTensors named_parameters() const;
  // Every parameter as the forward pass reads it (forward_parameter: transforms applied, detached),
  // in named_parameters() order: what a model directory holds for the model as it behaves.
  NamedTensors named_forward_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  // Every module of the tree with its dotted path; this module first, named "".
  std::vector<std::pair<std::string, Module*>> named_modules();
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

  // Moves every parameter and buffer of this module and below to `device` (one counted transfer each;
  // entries already there stay as they are). Parameters remain leaves that require grad, a tensor
  // registered twice stays one tensor, and parameter transforms are kept. Optimizer state made
  // before the move refers to the old tensors: move the model first.
  void to(Device device);
  // Where the first parameter lives (the CPU for a module without parameters).
  Device device() const;

  // Training mode (dropout active) for this module and all below it.
  void train(bool enabled = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  void zero_grad();

  // Parameters and buffers by dotted name, detached views of the module's own storage.
  StateDict state_dict() const;
  // Copies every entry of `dict` into the tensor of the same name (converting dtype). Throws one
  // pare::Error listing missing and unexpected names and shape mismatches; with strict = false only
  // shape mismatches throw and the missing and unexpected names are returned. Nothing is copied
  // when it throws.
  StateDictLoadReport load_state_dict(const StateDict& dict, bool strict = true);

 private:
  void check_new_name(const std::string& name) const;
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void collect(const std::string& prefix, bool buffers, NamedTensors& out) const;
  void move_entries(Device device, std::map<const TensorImpl*, Tensor>& moved);

  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<std::string, ParameterTransform>> transforms_;
  bool training_ = true;
};

// Children named "0", "1", ... as in torch.nn.ModuleList (BERT's "encoder.layer.N").
template <typename M>
class ModuleList : public Module {
 public:
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return register_module(std::to_string(size()), std::move(module));
  }
  std::size_t size() const { return children().size(); }
  std::shared_ptr<M> operator[](std::size_t i) const {
    PARE_CHECK(i < size(), "ModuleList: index ", i, " out of range for ", size(), " modules");
    auto module = std::dynamic_pointer_cast<M>(children()[i].second);
    PARE_CHECK(module != nullptr, "ModuleList: module ", i, " was replaced by one of another type");
    return module;
  }
};

}  // namespace pare
