// KernelTable: every kernel a backend offers the runtime, one entry each. The CPU kernels' declarations
// (kernels/<family>.h) are the contract: another backend's version of a kernel has the same signature,
// so adding one is its kernel file plus one line in that backend's table. An entry a backend leaves
// null has no kernel there yet; the runtime says so, naming the kernel and the device.
//
// Conventions every backend keeps: element pointers point into the device's memory; shapes, strides,
// offsets and scalars are passed on the host; `Context` carries the device, stream and library handles.
#pragma once

#include "kernels/activation.h"    // activation_forward, activation_backward
#include "kernels/adamw.h"         // adamw_update
#include "kernels/attention.h"     // attention_forward, attention_backward
#include "kernels/copy.h"          // strided_copy, fill, convert
#include "kernels/dropout.h"       // keep_mask, apply_keep_mask
#include "kernels/elementwise.h"   // binary_broadcast, scale_add
#include "kernels/gemm.h"          // gemm, gemm_batched, gemm_bias, gemm_bf16
#include "kernels/indexing.h"      // copy_rows, gather_rows, scatter_add_rows
#include "kernels/layer_norm.h"    // layer_norm_forward, layer_norm_backward(_workspace)
#include "kernels/loss.h"          // cross_entropy_*, kl_div_*, mean_squared_error
#include "kernels/masking.h"       // masked_fill, padding_to_additive
#include "kernels/norm.h"          // sum_of_squares
#include "kernels/pruning_mask.h"  // mask_expand, mask_reduce, keep_top_k, sigmoid_at_least
#include "kernels/random.h"        // random_normal, random_uniform
#include "kernels/reduce.h"        // sum_axis, argmax_rows
#include "kernels/softmax.h"       // softmax_*, log_softmax_*

namespace pare::kernels {

struct KernelTable {
  const char* backend;
  // copy.h
  decltype(cpu::strided_copy)* strided_copy = nullptr;
  decltype(cpu::fill)* fill = nullptr;
  decltype(cpu::convert)* convert = nullptr;
  // random.h
  decltype(cpu::random_normal)* random_normal = nullptr;
  decltype(cpu::random_uniform)* random_uniform = nullptr;
  // gemm.h
  decltype(cpu::gemm)* gemm = nullptr;
  decltype(cpu::gemm_batched)* gemm_batched = nullptr;
  decltype(cpu::gemm_bias)* gemm_bias = nullptr;
  decltype(cpu::gemm_bf16)* gemm_bf16 = nullptr;
  decltype(cpu::packed_gemm_weight_bytes)* packed_gemm_weight_bytes = nullptr;
  decltype(cpu::pack_gemm_weight)* pack_gemm_weight = nullptr;
  decltype(cpu::gemm_packed)* gemm_packed = nullptr;
  // elementwise.h, activation.h, masking.h
  decltype(cpu::binary_broadcast)* binary_broadcast = nullptr;
  decltype(cpu::scale_add)* scale_add = nullptr;
  decltype(cpu::activation_forward)* activation_forward = nullptr;
  decltype(cpu::activation_backward)* activation_backward = nullptr;
  decltype(cpu::masked_fill)* masked_fill = nullptr;
  decltype(cpu::padding_to_additive)* padding_to_additive = nullptr;
  // reduce.h, norm.h
  decltype(cpu::sum_axis)* sum_axis = nullptr;
  decltype(cpu::argmax_rows)* argmax_rows = nullptr;
  decltype(cpu::sum_of_squares)* sum_of_squares = nullptr;
  // softmax.h
  decltype(cpu::softmax_forward)* softmax_forward = nullptr;
  decltype(cpu::softmax_backward)* softmax_backward = nullptr;
  decltype(cpu::log_softmax_forward)* log_softmax_forward = nullptr;
  decltype(cpu::log_softmax_backward)* log_softmax_backward = nullptr;
  // layer_norm.h
  decltype(cpu::layer_norm_forward)* layer_norm_forward = nullptr;
  decltype(cpu::layer_norm_backward_workspace)* layer_norm_backward_workspace = nullptr;
  decltype(cpu::layer_norm_backward)* layer_norm_backward = nullptr;
  // attention.h
  decltype(cpu::attention_saved_size)* attention_saved_size = nullptr;
  decltype(cpu::attention_forward)* attention_forward = nullptr;
  decltype(cpu::attention_backward)* attention_backward = nullptr;
  // dropout.h
  decltype(cpu::keep_mask)* keep_mask = nullptr;
  decltype(cpu::apply_keep_mask)* apply_keep_mask = nullptr;
  // indexing.h
  decltype(cpu::copy_rows)* copy_rows = nullptr;
  decltype(cpu::gather_rows)* gather_rows = nullptr;
  decltype(cpu::scatter_add_rows)* scatter_add_rows = nullptr;
  // loss.h
  decltype(cpu::cross_entropy_forward)* cross_entropy_forward = nullptr;
  decltype(cpu::cross_entropy_backward)* cross_entropy_backward = nullptr;
  decltype(cpu::kl_div_forward)* kl_div_forward = nullptr;
  decltype(cpu::kl_div_backward)* kl_div_backward = nullptr;
  decltype(cpu::mean_squared_error)* mean_squared_error = nullptr;
  // pruning_mask.h
  decltype(cpu::mask_expand)* mask_expand = nullptr;
  decltype(cpu::mask_reduce)* mask_reduce = nullptr;
  decltype(cpu::keep_top_k)* keep_top_k = nullptr;
  decltype(cpu::sigmoid_at_least)* sigmoid_at_least = nullptr;
  // adamw.h
  decltype(cpu::adamw_update)* adamw_update = nullptr;
};

namespace cpu {
const KernelTable& kernel_table();
}  // namespace cpu

namespace cuda {
// Throws "built without CUDA support" in a build without the toolkit.
const KernelTable& kernel_table();
// The context kernels on CUDA device `device` run with: its cuBLAS handle and the default stream.
// Made once per device by the runtime and kept for the life of the process.
Context make_context(int device);
}  // namespace cuda

}  // namespace pare::kernels
