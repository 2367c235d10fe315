// KernelTable: every kernel a backend offers the runtime, one entry each, generated from the list in
// kernels/kernel_list.h. The CPU kernels' declarations (kernels/<family>.h) are the contract: another
// backend's version of a kernel has the same signature. A backend fills its table with
// PARE_FILL_KERNEL_TABLE, which names every kernel of the list in the backend's namespace: a kernel
// the backend neither declares nor marks `Absent` stops the build there, naming the kernel. An
// entry marked absent is null, and the runtime says so, naming the kernel and the device.
//
// Conventions every backend keeps: element pointers point into the device's memory; shapes, strides,
// offsets and scalars are passed on the host; `Context` carries the device, stream and library handles.
#pragma once

#include <type_traits>

#include "kernels/activation.h"    // activation_forward, activation_backward
#include "kernels/adamw.h"         // adamw_update
#include "kernels/attention.h"     // attention_forward, attention_backward
#include "kernels/copy.h"          // strided_copy, fill, convert
#include "kernels/dropout.h"       // keep_mask, apply_keep_mask
#include "kernels/elementwise.h"   // binary_broadcast, scale_add
#include "kernels/gemm.h"          // gemm, gemm_batched, gemm_bias, gemm_bf16
#include "kernels/indexing.h"      // copy_rows, gather_rows, scatter_add_rows
#include "kernels/int8.h"          // quantize_rows_s8, dequantize_gather_s8, pack_s8_weight, gemm_s8_packed
#include "kernels/kernel_list.h"   // PARE_KERNELS
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
  const char* backend = nullptr;
#define PARE_KERNEL_TABLE_MEMBER(name, ...) decltype(cpu::name)* name = nullptr;
  PARE_KERNELS(PARE_KERNEL_TABLE_MEMBER, )
#undef PARE_KERNEL_TABLE_MEMBER
};

// What a backend declares in its namespace for a kernel it does not offer on purpose, instead of the
// kernel: `inline constexpr Absent keep_top_k{};`. Its table entry is then null.
struct Absent {};

namespace detail {
template <typename Kernel>
constexpr Kernel* table_entry(Kernel* kernel) {
  return kernel;
}
template <typename Kernel>
constexpr Kernel* table_entry(Absent) {
  return nullptr;
}
}  // namespace detail

}  // namespace pare::kernels

#define PARE_KERNEL_TABLE_FILL_ENTRY(name, table, backend_namespace) \
  table.name =                                                       \
      ::pare::kernels::detail::table_entry<std::remove_pointer_t<decltype(table.name)>>(backend_namespace::name);

// Sets every entry of `table` (a KernelTable) to the kernel of that name in `backend_namespace`
// (qualified lookup: a kernel of another namespace is never taken by accident).
#define PARE_FILL_KERNEL_TABLE(table, backend_namespace) \
  PARE_KERNELS(PARE_KERNEL_TABLE_FILL_ENTRY, table, backend_namespace)
