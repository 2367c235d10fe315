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
#include <memory>
#include <vector>

#include "kernels/gemm.h"  // PackedGemmWeight
#include "runtime/precision.h"
#include "runtime/tensor.h"

namespace pare {

class ParameterCache {
 public:
  // The derived forms themselves, made on first use and kept until the last scope over them closes.
  // Scopes on several threads may share one (libpare: a model serving concurrent calls packs its
  // weights once); its first uses are serialised by a lock.
  struct Store;
  static std::shared_ptr<Store> make_store(const std::vector<Tensor>& parameters);

  // Opens a scope on this thread over a store of its own.
  explicit ParameterCache(const std::vector<Tensor>& parameters);
  // Opens a scope on this thread over `store`, which other threads' scopes may be using.
  explicit ParameterCache(std::shared_ptr<Store> store);
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
  friend struct OpenScopes;  // parameter_cache.cpp: finds a tensor's entry in this thread's scopes

  std::shared_ptr<Store> store_;
  ParameterCache* previous_;
};

}  // namespace pare
