#include "runtime/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "runtime/ops/elementwise.h"  // add

namespace pare {
namespace {
thread_local bool grad_mode_enabled = true;
}  // namespace

bool GradMode::enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool enabled) { grad_mode_enabled = enabled; }

Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending;
  auto detach_inputs = [&pending](std::vector<Tensor>& tensors) {
    for (Tensor& t : tensors) {
      // Only nodes nobody else holds would be destroyed now; take them over.
      if (t.impl_ptr().use_count() == 1 && t.impl()->grad_fn.use_count() == 1) {
        pending.push_back(std::move(t.impl()->grad_fn));
      }
    }
    tensors.clear();
  };
  detach_inputs(inputs);
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    detach_inputs(node->inputs);
  }
}

Tensor record(Tensor result, const char* op_name, std::vector<Tensor> inputs, BackwardFn backward) {
  if (!GradMode::enabled()) return result;
  bool any = false;
  for (const Tensor& in : inputs) any = any || (in.defined() && in.requires_grad());
  if (!any) return result;
  result.impl()->requires_grad = true;
  result.impl()->grad_fn = std::make_shared<Node>(Node{op_name, std::move(inputs), std::move(backward)});
  return result;
}

namespace {

// Post-order over the graph below `root` (inputs before the tensors computed from them), iterative
// so deep graphs cannot overflow the stack.
std::vector<TensorImpl*> topological_order(TensorImpl* root) {
  std::vector<TensorImpl*> order;
  std::unordered_set<TensorImpl*> visited;
  std::vector<std::pair<TensorImpl*, std::size_t>> stack{{root, 0}};
  visited.insert(root);
  while (!stack.empty()) {
    auto& [impl, next] = stack.back();
    const Node* node = impl->grad_fn.get();
    if (node != nullptr && next < node->inputs.size()) {
      TensorImpl* child = node->inputs[next++].impl();
      if (child != nullptr && child->requires_grad && visited.insert(child).second) stack.push_back({child, 0});
      continue;
    }
    order.push_back(impl);
    stack.pop_back();
  }
  return order;
}

void accumulate(std::unordered_map<TensorImpl*, Tensor>& grads, TensorImpl* impl, const Tensor& grad) {
  auto [it, inserted] = grads.try_emplace(impl, grad);
  if (!inserted) it->second = add(it->second, grad);
}

}  // namespace

void Tensor::backward(const Tensor& grad) const {
  const TensorImpl& self = checked();
  PARE_CHECK(self.requires_grad,
             "backward() on a tensor that does not require grad: mark the parameters with requires_grad_() "
             "before computing the loss");
  Tensor seed = grad;
  if (!seed.defined()) {
    PARE_CHECK(numel() == 1, "backward() without a gradient needs a one-element tensor, got shape ",
               shape_str(shape()));
    seed = Tensor::ones(shape(), dtype(), device());
  }
  PARE_CHECK(seed.shape() == shape(), "backward(): gradient shape ", shape_str(seed.shape()),
             " differs from tensor shape ", shape_str(shape()));

  NoGradGuard no_grad;
  std::unordered_map<TensorImpl*, Tensor> grads;
  grads.emplace(impl(), seed);
  const std::vector<TensorImpl*> order = topological_order(impl());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    TensorImpl* impl = *it;
    auto found = grads.find(impl);
    if (found == grads.end()) continue;
    const Tensor g = std::move(found->second);
    grads.erase(found);
    if (!impl->grad_fn) {
      // A leaf's grad gets its own packed copy: an upstream gradient may be shared by several
      // leaves (a + b), and optimizers and clipping update grads in place.
      impl->grad = impl->grad.defined() ? add(impl->grad, g) : g.clone();
      continue;
    }
    const Node& node = *impl->grad_fn;
    NeedsGrad needs(node.inputs.size());
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      needs[i] = node.inputs[i].defined() && node.inputs[i].requires_grad();
    }
    std::vector<Tensor> input_grads = node.backward(g, needs);
    PARE_CHECK(input_grads.size() == node.inputs.size(), "autograd: backward of ", node.op_name, " returned ",
               input_grads.size(), " gradients for ", node.inputs.size(), " inputs");
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (!needs[i]) continue;
      PARE_CHECK(input_grads[i].defined(), "autograd: backward of ", node.op_name, " gave no gradient for input ", i);
      PARE_CHECK(input_grads[i].shape() == node.inputs[i].shape(), "autograd: backward of ", node.op_name,
                 " gave gradient of shape ", shape_str(input_grads[i].shape()), " for input ", i, " of shape ",
                 shape_str(node.inputs[i].shape()));
      accumulate(grads, node.inputs[i].impl(), input_grads[i]);
    }
  }
}

}  // namespace pare
