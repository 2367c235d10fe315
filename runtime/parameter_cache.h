// Forms of parameters derived for the products of one pass and reused by all of them while the
// parameters stay as they are: bf16 copies under the bf16 policy (runtime/precision.h) and weights
// packed for the backend's products during inference (kernels/gemm.h pack_gemm_weight; int8 weights
// by kernels/int8.h pack_s8_weight).
//
// A product rounds its operands to bf16 each time it runs, but a weight takes part in several
// products per training step (the forward's x W^T, the backward's dY W) and in every inference step;
// converting it once per pass saves that traffic (BERT-base: 85M weights, about half a gigabyte read
// and written per conversion, which at batch 1 costs as much as the products). Packing pays off only
// where a weight serves many products unchanged: inference and evaluation (no gradient recorded).
//
// Whoever opens the scope promises that the tensors it names are not written while it is open: open
// it over a forward and its backward, or over inference and evaluation, never across an optimizer
// step, a weight load or a pruning surgery. Packed copies take as much memory as the weights.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/gemm.h"  // PackedGemmWeight
#include "runtime/precision.h"
#include "runtime/tensor.h"

namespace pare {

class ParameterCache {
 public:
  explicit ParameterCache(const std::vector<Tensor>& parameters);
  ~ParameterCache();
  ParameterCache(const ParameterCache&) = delete;
  ParameterCache& operator=(const ParameterCache&) = delete;

  // The bf16 copy of `packed` (contiguous f32) when it holds exactly the elements of one of the
  // parameters of an open scope on this thread, made on first use; an undefined tensor otherwise.
  static Tensor bf16_copy(const Tensor& packed);

  // `weight` ([out, in], a parameter of an open scope) packed as the right operand of x @ W^T for
  // products in `precision`, made on first use; null when no open scope holds it.
  static std::shared_ptr<const kernels::PackedGemmWeight> packed_transposed(const Tensor& weight, Precision precision);

  // `weight` ([out, in], i8, a parameter of an open scope) packed for int8_linear's products
  // (runtime/ops/quantized.h), made on first use; null when no open scope holds it.
  static std::shared_ptr<const kernels::PackedGemmWeight> packed_s8(const Tensor& weight);

 private:
  struct Entry {
    Tensor parameter;  // keeps the storage, so its address cannot be reused while the scope is open
    Tensor bits;       // bf16, flat; undefined until first used
    std::shared_ptr<const kernels::PackedGemmWeight> packed[2];  // by Precision
    Tensor packed_storage[2];  // u8, from the device's allocator (its buffer cache spares new pages)
  };
  // An int8 weight: only ever packed.
  struct Int8Entry {
    Tensor parameter;
    std::shared_ptr<const kernels::PackedGemmWeight> packed;
    Tensor packed_storage;
  };
  static Entry* find(const Tensor& t);

  std::map<std::pair<const void*, std::int64_t>, Entry> entries_;
  std::map<std::pair<const void*, std::int64_t>, Int8Entry> int8_entries_;
  ParameterCache* previous_;
};

}  // namespace pare
