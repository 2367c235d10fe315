// bf16 copies of parameters, reused by every product of a pass under the bf16 policy
// (runtime/precision.h). A product rounds its operands to bf16 each time it runs, but a weight takes
// part in several products per training step (the forward's x W^T, the backward's dY W) and in every
// inference step; converting it once per pass saves that traffic (BERT-base: 85M weights, about half
// a gigabyte read and written per conversion, which at batch 1 costs as much as the products).
//
// Whoever opens the scope promises that the tensors it names are not written while it is open: open
// it over a forward and its backward, or over inference and evaluation, never across an optimizer
// step, a weight load or a pruning surgery.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "runtime/tensor.h"

namespace pare {

class Bf16ParameterCache {
 public:
  explicit Bf16ParameterCache(const std::vector<Tensor>& parameters);
  ~Bf16ParameterCache();
  Bf16ParameterCache(const Bf16ParameterCache&) = delete;
  Bf16ParameterCache& operator=(const Bf16ParameterCache&) = delete;

  // The bf16 copy of `packed` (contiguous f32) when it holds exactly the elements of one of the
  // parameters of an open scope on this thread, made on first use; an undefined tensor otherwise.
  static Tensor find(const Tensor& packed);

 private:
  struct Entry {
    Tensor parameter;  // keeps the storage, so its address cannot be reused while the scope is open
    Tensor bits;       // bf16, flat; undefined until first used
  };
  std::map<std::pair<const void*, std::int64_t>, Entry> entries_;
  Bf16ParameterCache* previous_;
};

}  // namespace pare
