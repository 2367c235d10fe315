// The CUDA backend's kernel table. Kernels land here one line each as kernels/cuda/*.cu gains them;
// an entry left null is reported by the runtime as missing on the device.
#include "kernels/cuda/check.h"
#include "kernels/cuda/cublas_check.h"
#include "kernels/cuda/cublaslt_library.h"
#include "kernels/cuda/device_error.h"
#include "kernels/kernel_table.h"

namespace pare::kernels::cuda {

Context make_context(int device) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  cublasHandle_t handle = nullptr;
  PARE_CUBLAS_CHECK(cublas().create(&handle));
  // f32 GEMMs stay f32: no TF32 unless a precision policy asks for it.
  PARE_CUBLAS_CHECK(cublas().set_math_mode(handle, CUBLAS_DEFAULT_MATH));
  cublasLtHandle_t lt_handle = nullptr;
  PARE_CUBLAS_CHECK(cublaslt().create(&lt_handle));
  // cuBLASLt's scratch: the size NVIDIA suggests for Hopper, held for the process's life.
  constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;
  void* workspace = nullptr;
  PARE_CUDA_CHECK(cudaMalloc(&workspace, kWorkspaceBytes));
  Context ctx;
  ctx.device = device;
  ctx.blas = handle;
  ctx.blas_lt = lt_handle;
  ctx.workspace = workspace;
  ctx.workspace_bytes = kWorkspaceBytes;
  ctx.error = device_error_slot(device);
  return ctx;
}

const KernelTable& kernel_table() {
  static const KernelTable table = [] {
    KernelTable t{"cuda"};
    t.strided_copy = strided_copy;
    t.fill = fill;
    t.convert = convert;
    t.random_normal = random_normal;
    t.random_uniform = random_uniform;
    t.binary_broadcast = binary_broadcast;
    t.scale_add = scale_add;
    t.sum_axis = sum_axis;
    t.activation_forward = activation_forward;
    t.activation_backward = activation_backward;
    t.softmax_forward = softmax_forward;
    t.softmax_backward = softmax_backward;
    t.log_softmax_forward = log_softmax_forward;
    t.log_softmax_backward = log_softmax_backward;
    t.masked_fill = masked_fill;
    t.padding_to_additive = padding_to_additive;
    t.keep_mask = keep_mask;
    t.apply_keep_mask = apply_keep_mask;
    t.adamw_update = adamw_update;
    t.argmax_rows = argmax_rows;
    t.layer_norm_forward = layer_norm_forward;
    t.layer_norm_backward_workspace = layer_norm_backward_workspace;
    t.layer_norm_backward = layer_norm_backward;
    t.sum_of_squares = sum_of_squares;
    t.kl_div_forward = kl_div_forward;
    t.kl_div_backward = kl_div_backward;
    t.mean_squared_error = mean_squared_error;
    t.copy_rows = copy_rows;
    t.gather_rows = gather_rows;
    t.scatter_add_rows = scatter_add_rows;
    t.cross_entropy_forward = cross_entropy_forward;
    t.cross_entropy_backward = cross_entropy_backward;
    t.gemm = gemm;
    t.gemm_batched = gemm_batched;
    t.gemm_bias = gemm_bias;
    t.gemm_bf16 = gemm_bf16;
    t.packed_gemm_weight_bytes = packed_gemm_weight_bytes;
    t.pack_gemm_weight = pack_gemm_weight;
    t.gemm_packed = gemm_packed;
    t.attention_saved_size = attention_saved_size;
    t.attention_forward = attention_forward;
    t.attention_backward = attention_backward;
    t.mask_expand = mask_expand;
    t.mask_reduce = mask_reduce;
    t.keep_top_k = keep_top_k;
    t.sigmoid_at_least = sigmoid_at_least;
    return t;
  }();
  return table;
}

}  // namespace pare::kernels::cuda
