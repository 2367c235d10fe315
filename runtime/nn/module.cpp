#include "runtime/nn/module.h"

#include <algorithm>
#include <sstream>

#include "runtime/autograd.h"  // NoGradGuard

namespace pare {
namespace {

template <typename Entries>
auto find_entry(Entries& entries, const std::string& name) {
  return std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == name; });
}

template <typename Entries>
std::string entry_names(const Entries& entries) {
  std::string names;
  for (const auto& e : entries) names += (names.empty() ? "" : ", ") + e.first;
  return names.empty() ? "none" : names;
}

// Parameters are floating point, or the int8 weights of an int8 model (runtime/ops/quantized.h).
void check_parameter_dtype(const Tensor& value, const std::string& name) {
  PARE_CHECK(is_floating(value.dtype()) || value.dtype() == DType::i8, "Module: parameter \"", name, "\" has dtype ",
             dtype_name(value.dtype()), "; parameters are floating point or int8 weights");
}

std::string join(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : separator) + n;
  return out;
}

}  // namespace

void Module::check_new_name(const std::string& name) const {
  PARE_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: invalid name \"", name,
             "\" (names are non-empty and contain no '.')");
  const bool taken = find_entry(parameters_, name) != parameters_.end() ||
                     find_entry(buffers_, name) != buffers_.end() || find_entry(children_, name) != children_.end();
  PARE_CHECK(!taken, "Module: name \"", name, "\" is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  check_defined(value, "register_parameter", name.c_str());
  check_parameter_dtype(value, name);
  if (is_floating(value.dtype())) value.requires_grad_();
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name);
  check_defined(value, "register_buffer", name.c_str());
  buffers_.emplace_back(name, value);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name);
  PARE_CHECK(module != nullptr, "register_module: module \"", name, "\" is null");
  children_.emplace_back(name, std::move(module));
}

void Module::to(Device device) {
  std::map<const TensorImpl*, Tensor> moved;
  move_entries(device, moved);
}

Device Module::device() const {
  const NamedTensors params = named_parameters();
  return params.empty() ? Device::cpu() : params.front().second.device();
}

void Module::move_entries(Device device, std::map<const TensorImpl*, Tensor>& moved) {
  NoGradGuard no_grad;
  const auto move = [&](Tensor& t, bool parameter) {
    if (!t.defined() || t.device() == device) return;
    auto [it, inserted] = moved.try_emplace(t.impl());
    if (inserted) {
      it->second = t.detach().to(device);
      if (parameter && is_floating(it->second.dtype())) it->second.requires_grad_();
    }
    t = it->second;
  };
  for (auto& [name, p] : parameters_) move(p, true);
  for (auto& [name, b] : buffers_) move(b, false);
  for (auto& [name, child] : children_) child->move_entries(device, moved);
}

void Module::set_parameter(const std::string& name, Tensor value) {
  auto it = find_entry(parameters_, name);
  PARE_CHECK(it != parameters_.end(), "set_parameter: no parameter \"", name, "\" (have: ", entry_names(parameters_),
             ")");
  check_defined(value, "set_parameter", name.c_str());
  check_parameter_dtype(value, name);
  if (is_floating(value.dtype())) value.requires_grad_();
  it->second = value;
}

void Module::set_buffer(const std::string& name, Tensor value) {
  auto it = find_entry(buffers_, name);
  PARE_CHECK(it != buffers_.end(), "set_buffer: no buffer \"", name, "\" (have: ", entry_names(buffers_), ")");
  check_defined(value, "set_buffer", name.c_str());
  it->second = value;
}

void Module::set_module(const std::string& name, std::shared_ptr<Module> module) {
  auto it = find_entry(children_, name);
  PARE_CHECK(it != children_.end(), "set_module: no module \"", name, "\" (have: ", entry_names(children_), ")");
  PARE_CHECK(module != nullptr, "set_module: module \"", name, "\" is null");
  it->second = std::move(module);
}

const Tensor& Module::parameter(const std::string& name) const {
  auto it = find_entry(parameters_, name);
  PARE_CHECK(it != parameters_.end(), "Module: no parameter \"", name, "\" (have: ", entry_names(parameters_), ")");
  return it->second;
}

Tensor Module::forward_parameter(const std::string& name) const {
  const Tensor& value = parameter(name);
  auto it = find_entry(transforms_, name);
  return it == transforms_.end() ? value : it->second(value);
}

void Module::set_parameter_transform(const std::string& dotted_name, ParameterTransform transform) {
  const std::size_t dot = dotted_name.find('.');
  if (dot != std::string::npos) {
    const std::string head = dotted_name.substr(0, dot);
    auto child_it = find_entry(children_, head);
    PARE_CHECK(child_it != children_.end(), "set_parameter_transform: no parameter \"", dotted_name, "\" (no module \"",
               head, "\"; have: ", entry_names(children_), ")");
    child_it->second->set_parameter_transform(dotted_name.substr(dot + 1), std::move(transform));
    return;
  }
  PARE_CHECK(find_entry(parameters_, dotted_name) != parameters_.end(), "set_parameter_transform: no parameter \"",
             dotted_name, "\" (have: ", entry_names(parameters_), ")");
  auto it = find_entry(transforms_, dotted_name);
  if (it != transforms_.end()) transforms_.erase(it);
  if (transform) transforms_.emplace_back(dotted_name, std::move(transform));
}

void Module::clear_parameter_transforms() {
  transforms_.clear();
  for (const auto& [name, m] : children_) m->clear_parameter_transforms();
}

const Tensor& Module::buffer(const std::string& name) const {
  auto it = find_entry(buffers_, name);
  PARE_CHECK(it != buffers_.end(), "Module: no buffer \"", name, "\" (have: ", entry_names(buffers_), ")");
  return it->second;
}

const std::shared_ptr<Module>& Module::child(const std::string& name) const {
  auto it = find_entry(children_, name);
  PARE_CHECK(it != children_.end(), "Module: no module \"", name, "\" (have: ", entry_names(children_), ")");
  return it->second;
}

void Module::collect(const std::string& prefix, bool buffers, NamedTensors& out) const {
  for (const auto& [name, t] : buffers ? buffers_ : parameters_) out.emplace_back(prefix + name, t);
  for (const auto& [name, m] : children_) m->collect(prefix + name + ".", buffers, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

NamedTensors Module::named_forward_parameters() const {
  NoGradGuard no_grad;
  NamedTensors out;
  for (const auto& [name, t] : parameters_) out.emplace_back(name, forward_parameter(name).detach());
  for (const auto& [name, m] : children_) {
    for (auto& [sub, t] : m->named_forward_parameters()) out.emplace_back(name + "." + sub, std::move(t));
  }
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [name, m] : children_) {
    for (auto& [sub, ptr] : m->named_modules()) out.emplace_back(sub.empty() ? name : name + "." + sub, ptr);
  }
  return out;
}

void Module::train(bool enabled) {
  training_ = enabled;
  for (const auto& [name, m] : children_) m->train(enabled);
}

void Module::zero_grad() {
  for (const Tensor& p : parameters()) p.zero_grad();
}

StateDict Module::state_dict() const {
  StateDict dict;
  for (const auto& [name, t] : named_parameters()) dict.emplace(name, t.detach());
  for (const auto& [name, t] : named_buffers()) dict.emplace(name, t.detach());
  return dict;
}

StateDictLoadReport Module::load_state_dict(const StateDict& dict, bool strict) {
  NamedTensors own = named_parameters();
  for (auto& entry : named_buffers()) own.push_back(std::move(entry));

  StateDictLoadReport report;
  std::vector<std::string> mismatched;
  for (const auto& [name, target] : own) {
    auto it = dict.find(name);
    if (it == dict.end()) {
      report.missing.push_back(name);
    } else if (!it->second.defined() || it->second.shape() != target.shape()) {
      mismatched.push_back(name + " expected " + shape_str(target.shape()) + " got " +
                           (it->second.defined() ? shape_str(it->second.shape()) : "an undefined tensor"));
    }
  }
  for (const auto& [name, t] : dict) {
    if (find_entry(own, name) == own.end()) report.unexpected.push_back(name);
  }

  std::sort(report.missing.begin(), report.missing.end());
  const bool names_ok = !strict || (report.missing.empty() && report.unexpected.empty());
  if (!names_ok || !mismatched.empty()) {
    std::ostringstream msg;
    msg << "load_state_dict: the state dict does not fit the module";
    if (strict && !report.missing.empty())
      msg << "\n  missing (" << report.missing.size() << "): " << join(report.missing);
    if (strict && !report.unexpected.empty()) {
      msg << "\n  unexpected (" << report.unexpected.size() << "): " << join(report.unexpected);
    }
    if (!mismatched.empty()) msg << "\n  shape mismatch (" << mismatched.size() << "): " << join(mismatched, "; ");
    throw Error(msg.str());
  }

  NoGradGuard no_grad;
  for (auto& [name, target] : own) {
    auto it = dict.find(name);
    if (it != dict.end()) target.copy_(it->second);
  }
  return report;
}

}  // namespace pare
