// The CPU backend's kernel table: every kernel has a CPU version, the reference for the others.
#include "kernels/kernel_table.h"

namespace pare::kernels::cpu {

const KernelTable& kernel_table() {
  static const KernelTable table = [] {
    KernelTable t{"cpu"};
    t.strided_copy = strided_copy;
    t.fill = fill;
    t.convert = convert;
    t.random_normal = random_normal;
    t.random_uniform = random_uniform;
    t.gemm = gemm;
    t.gemm_batched = gemm_batched;
    t.gemm_bias = gemm_bias;
    t.gemm_bf16 = gemm_bf16;
    t.packed_gemm_weight_bytes = packed_gemm_weight_bytes;
    t.pack_gemm_weight = pack_gemm_weight;
    t.gemm_packed = gemm_packed;
    t.binary_broadcast = binary_broadcast;
    t.scale_add = scale_add;
    t.activation_forward = activation_forward;
    t.activation_backward = activation_backward;
    t.masked_fill = masked_fill;
    t.padding_to_additive = padding_to_additive;
    t.sum_axis = sum_axis;
    t.argmax_rows = argmax_rows;
    t.sum_of_squares = sum_of_squares;
    t.softmax_forward = softmax_forward;
    t.softmax_backward = softmax_backward;
    t.log_softmax_forward = log_softmax_forward;
    t.log_softmax_backward = log_softmax_backward;
    t.layer_norm_forward = layer_norm_forward;
    t.layer_norm_backward_workspace = layer_norm_backward_workspace;
    t.layer_norm_backward = layer_norm_backward;
    t.attention_saved_size = attention_saved_size;
    t.attention_forward = attention_forward;
    t.attention_backward = attention_backward;
    t.keep_mask = keep_mask;
    t.apply_keep_mask = apply_keep_mask;
    t.copy_rows = copy_rows;
    t.gather_rows = gather_rows;
    t.scatter_add_rows = scatter_add_rows;
    t.cross_entropy_forward = cross_entropy_forward;
    t.cross_entropy_backward = cross_entropy_backward;
    t.kl_div_forward = kl_div_forward;
    t.kl_div_backward = kl_div_backward;
    t.mean_squared_error = mean_squared_error;
    t.mask_expand = mask_expand;
    t.mask_reduce = mask_reduce;
    t.keep_top_k = keep_top_k;
    t.sigmoid_at_least = sigmoid_at_least;
    t.adamw_update = adamw_update;
    return t;
  }();
  return table;
}

}  // namespace pare::kernels::cpu
