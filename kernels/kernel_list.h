// PARE_KERNELS: every kernel a backend can offer the runtime, named once. KernelTable's members
// (kernels/kernel_table.h) and every backend's table fill (PARE_FILL_KERNEL_TABLE) expand from this
// list, so adding a kernel is its CPU declaration in its family header (the contract every backend's
// version matches), one line here, and its definitions. Plain C++17: nvcc compiles the CUDA fill.
//
// X(name, ...) is applied to each kernel; the extra arguments are passed through to it.
#pragma once

#define PARE_KERNELS(X, ...)                    \
  /* copy.h */                                  \
  X(strided_copy, __VA_ARGS__)                  \
  X(fill, __VA_ARGS__)                          \
  X(convert, __VA_ARGS__)                       \
  /* random.h */                                \
  X(random_normal, __VA_ARGS__)                 \
  X(random_uniform, __VA_ARGS__)                \
  /* gemm.h */                                  \
  X(gemm, __VA_ARGS__)                          \
  X(gemm_batched, __VA_ARGS__)                  \
  X(gemm_bias, __VA_ARGS__)                     \
  X(gemm_bf16, __VA_ARGS__)                     \
  X(packed_gemm_weight_bytes, __VA_ARGS__)      \
  X(pack_gemm_weight, __VA_ARGS__)              \
  X(gemm_packed, __VA_ARGS__)                   \
  /* int8.h */                                  \
  X(quantize_rows_s8, __VA_ARGS__)              \
  X(dequantize_gather_s8, __VA_ARGS__)          \
  X(packed_s8_weight_bytes, __VA_ARGS__)        \
  X(pack_s8_weight, __VA_ARGS__)                \
  X(gemm_s8_packed, __VA_ARGS__)                \
  /* elementwise.h, activation.h, masking.h */  \
  X(binary_broadcast, __VA_ARGS__)              \
  X(scale_add, __VA_ARGS__)                     \
  X(activation_forward, __VA_ARGS__)            \
  X(activation_backward, __VA_ARGS__)           \
  X(masked_fill, __VA_ARGS__)                   \
  X(padding_to_additive, __VA_ARGS__)           \
  /* reduce.h, norm.h */                        \
  X(sum_axis, __VA_ARGS__)                      \
  X(argmax_rows, __VA_ARGS__)                   \
  X(sum_of_squares, __VA_ARGS__)                \
  /* softmax.h */                               \
  X(softmax_forward, __VA_ARGS__)               \
  X(softmax_backward, __VA_ARGS__)              \
  X(log_softmax_forward, __VA_ARGS__)           \
  X(log_softmax_backward, __VA_ARGS__)          \
  /* layer_norm.h */                            \
  X(layer_norm_forward, __VA_ARGS__)            \
  X(layer_norm_backward_workspace, __VA_ARGS__) \
  X(layer_norm_backward, __VA_ARGS__)           \
  /* attention.h */                             \
  X(attention_saved_size, __VA_ARGS__)          \
  X(attention_forward, __VA_ARGS__)             \
  X(attention_backward, __VA_ARGS__)            \
  /* dropout.h */                               \
  X(keep_mask, __VA_ARGS__)                     \
  X(apply_keep_mask, __VA_ARGS__)               \
  /* indexing.h */                              \
  X(copy_rows, __VA_ARGS__)                     \
  X(gather_rows, __VA_ARGS__)                   \
  X(scatter_add_rows, __VA_ARGS__)              \
  /* loss.h */                                  \
  X(cross_entropy_forward, __VA_ARGS__)         \
  X(cross_entropy_backward, __VA_ARGS__)        \
  X(kl_div_forward, __VA_ARGS__)                \
  X(kl_div_backward, __VA_ARGS__)               \
  X(mean_squared_error, __VA_ARGS__)            \
  /* pruning_mask.h */                          \
  X(mask_expand, __VA_ARGS__)                   \
  X(mask_reduce, __VA_ARGS__)                   \
  X(keep_top_k, __VA_ARGS__)                    \
  X(sigmoid_at_least, __VA_ARGS__)              \
  /* adamw.h */                                 \
  X(adamw_update, __VA_ARGS__)
