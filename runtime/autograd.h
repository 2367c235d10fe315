// Reverse-mode autograd: the Node an op records, the switch that turns recording off, and the
// helper every op calls to attach its backward function to its result.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "runtime/tensor.h"

namespace pare {

// needs[i] tells a backward function whether input i wants a gradient, so it can skip the work.
using NeedsGrad = std::vector<bool>;
// Returns one gradient per input (an undefined Tensor where needs[i] is false). Backward functions
// run with recording off and are written with ops, so broadcasting and views are handled once.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output, const NeedsGrad& needs)>;

struct Node {
  const char* op_name;
  std::vector<Tensor> inputs;
  BackwardFn backward;

  // Releases long chains of nodes iteratively: the default recursive destruction of a graph
  // 100k ops deep (an unrolled loop) would overflow the stack.
  ~Node();
};

class GradMode {
 public:
  static bool enabled();
  static void set_enabled(bool enabled);
};

// Turns graph recording off for its scope (teacher forward, evaluation, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Attaches `backward` to `result` when recording is on and any input requires a gradient.
// Saved tensors captured by `backward` must not be `result` itself (use result.detach()),
// or the node would keep its own output alive.
Tensor record(Tensor result, const char* op_name, std::vector<Tensor> inputs, BackwardFn backward);

}  // namespace pare
