#include "runtime/optim/adamw.h"

#include <cmath>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "kernels/adamw.h"  // adamw_update, AdamWStep
#include "runtime/dispatch.h"

namespace pare {
namespace {

constexpr const char* kExpAvg = "exp_avg.";
constexpr const char* kExpAvgSq = "exp_avg_sq.";
constexpr const char* kStep = "step.";
constexpr const char* kStepsTaken = "step";

Tensor step_tensor(std::int64_t step) { return Tensor::from_vector<std::int64_t>({step}, {}); }
std::int64_t step_value(const Tensor& t) { return t.to_vector<std::int64_t>()[0]; }

}  // namespace

bool excluded_from_weight_decay(const std::string& name, const Tensor& param) {
  return param.dim() <= 1 || name.ends_with("bias") || name.ends_with("LayerNorm.weight") ||
         name.ends_with("layer_norm.weight");
}

std::vector<ParamGroup> parameter_groups_for_weight_decay(const NamedTensors& named_parameters, double weight_decay) {
  std::vector<ParamGroup> groups{{{}, weight_decay}, {{}, 0.0}};
  for (const auto& [name, p] : named_parameters) {
    groups[excluded_from_weight_decay(name, p) ? 1 : 0].params.emplace_back(name, p);
  }
  return groups;
}

AdamW::AdamW(std::vector<ParamGroup> groups, double lr, AdamWOptions options)
    : groups_(std::move(groups)), lr_(lr), options_(options) {
  set_lr(lr);
  PARE_CHECK(options_.beta1 >= 0.0 && options_.beta1 < 1.0 && options_.beta2 >= 0.0 && options_.beta2 < 1.0,
             "AdamW: betas must lie in [0, 1), got (", options_.beta1, ", ", options_.beta2, ")");
  PARE_CHECK(options_.eps >= 0.0, "AdamW: eps must be >= 0, got ", options_.eps);
  std::set<std::string> names;
  std::set<const TensorImpl*> tensors;
  for (const ParamGroup& group : groups_) {
    PARE_CHECK(group.weight_decay >= 0.0, "AdamW: weight_decay must be >= 0, got ", group.weight_decay);
    std::vector<ParamState>& states = state_.emplace_back();
    for (const auto& [name, p] : group.params) {
      check_defined(p, "AdamW", name.c_str());
      check_dtype(p, DType::f32, "AdamW", name.c_str());
      PARE_CHECK(p.requires_grad() && p.is_leaf(), "AdamW: parameter ", name, " is not a leaf that requires grad");
      PARE_CHECK(!name.empty() && names.insert(name).second, "AdamW: parameter name \"", name,
                 "\" is empty or given twice");
      PARE_CHECK(tensors.insert(p.impl()).second, "AdamW: parameter ", name, " is the same tensor as another one");
      states.push_back(
          {Tensor::zeros(p.shape(), DType::f32, p.device()), Tensor::zeros(p.shape(), DType::f32, p.device()), 0});
    }
  }
}

void AdamW::set_lr(double lr) {
  PARE_CHECK(std::isfinite(lr) && lr >= 0.0, "AdamW: learning rate must be finite and >= 0, got ", lr);
  lr_ = lr;
}

void AdamW::step() {
  // Every parameter with a gradient in one kernel call; the contiguous gradient copies live until it.
  std::vector<kernels::AdamWTensor> tensors;
  std::vector<Tensor> gradients;
  std::optional<Device> device;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& group = groups_[gi];
    for (std::size_t pi = 0; pi < group.params.size(); ++pi) {
      const auto& [name, p] = group.params[pi];
      const Tensor grad = p.grad();
      if (!grad.defined()) continue;
      check_dtype(grad, DType::f32, "AdamW.step", name.c_str());
      PARE_CHECK(p.is_contiguous(), "AdamW.step: parameter ", name, " of shape ", shape_str(p.shape()),
                 " is not contiguous");
      const Tensor g = grad.contiguous();
      ParamState& s = state_[gi][pi];
      ++s.step;
      const auto t = static_cast<double>(s.step);
      const kernels::AdamWStep scalars{
          static_cast<float>(lr_),
          static_cast<float>(options_.beta1),
          static_cast<float>(options_.beta2),
          static_cast<float>(options_.eps),
          static_cast<float>(group.weight_decay),
          static_cast<float>(1.0 - std::pow(options_.beta1, t)),
          static_cast<float>(std::sqrt(1.0 - std::pow(options_.beta2, t))),
      };
      PARE_CHECK(!device || *device == p.device(), "AdamW.step: parameter ", name, " is on ", p.device().str(),
                 ", others on ", device ? device->str() : "");
      device = p.device();
      gradients.push_back(g);
      tensors.push_back({p.device_data<float>(), g.device_data<float>(), s.exp_avg.device_data<float>(),
                         s.exp_avg_sq.device_data<float>(), p.numel(), scalars});
    }
  }
  if (!tensors.empty()) {
    PARE_LAUNCH(*device, adamw_update, tensors.data(), static_cast<std::int64_t>(tensors.size()));
  }
  ++steps_taken_;
}

void AdamW::zero_grad() {
  for (const ParamGroup& group : groups_) {
    for (const auto& [name, p] : group.params) p.zero_grad();
  }
}

StateDict AdamW::state_dict() const {
  StateDict dict;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    for (std::size_t pi = 0; pi < groups_[gi].params.size(); ++pi) {
      const std::string& name = groups_[gi].params[pi].first;
      const ParamState& s = state_[gi][pi];
      dict.emplace(kExpAvg + name, s.exp_avg.detach());
      dict.emplace(kExpAvgSq + name, s.exp_avg_sq.detach());
      dict.emplace(kStep + name, step_tensor(s.step));
    }
  }
  dict.emplace(kStepsTaken, step_tensor(steps_taken_));
  return dict;
}

void AdamW::load_state_dict(const StateDict& dict) {
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> expected;
  const auto check = [&](const std::string& key, const Shape& shape, DType dtype) {
    expected.insert(key);
    auto it = dict.find(key);
    if (it == dict.end()) {
      missing.push_back(key);
    } else if (!it->second.defined() || it->second.shape() != shape || it->second.dtype() != dtype) {
      std::ostringstream m;
      m << key << " expected " << dtype_name(dtype) << shape_str(shape) << " got ";
      if (it->second.defined()) {
        m << dtype_name(it->second.dtype()) << shape_str(it->second.shape());
      } else {
        m << "an undefined tensor";
      }
      mismatched.push_back(m.str());
    }
  };
  for (const ParamGroup& group : groups_) {
    for (const auto& [name, p] : group.params) {
      check(kExpAvg + name, p.shape(), DType::f32);
      check(kExpAvgSq + name, p.shape(), DType::f32);
      check(kStep + name, {}, DType::i64);
    }
  }
  check(kStepsTaken, {}, DType::i64);
  for (const auto& [key, t] : dict) {
    if (!expected.contains(key)) unexpected.push_back(key);
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::ostringstream msg;
    msg << "AdamW.load_state_dict: the state does not fit this optimizer's parameters";
    const auto list = [&](const char* what, const std::vector<std::string>& keys, const char* sep) {
      if (keys.empty()) return;
      msg << "\n  " << what << " (" << keys.size() << "): ";
      for (std::size_t i = 0; i < keys.size(); ++i) msg << (i ? sep : "") << keys[i];
    };
    list("missing", missing, ", ");
    list("unexpected", unexpected, ", ");
    list("mismatched", mismatched, "; ");
    throw Error(msg.str());
  }
  std::vector<std::int64_t> steps;
  for (const ParamGroup& group : groups_) {
    for (const auto& [name, p] : group.params) {
      steps.push_back(step_value(dict.at(kStep + name)));
      PARE_CHECK(steps.back() >= 0, "AdamW.load_state_dict: ", kStep, name, " is negative (", steps.back(), ")");
    }
  }
  const auto taken = step_value(dict.at(kStepsTaken));
  PARE_CHECK(taken >= 0, "AdamW.load_state_dict: step is negative (", taken, ")");

  std::size_t k = 0;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    for (std::size_t pi = 0; pi < groups_[gi].params.size(); ++pi) {
      const std::string& name = groups_[gi].params[pi].first;
      ParamState& s = state_[gi][pi];
      s.exp_avg.copy_(dict.at(kExpAvg + name));
      s.exp_avg_sq.copy_(dict.at(kExpAvgSq + name));
      s.step = steps[k++];
    }
  }
  steps_taken_ = taken;
}

}  // namespace pare
