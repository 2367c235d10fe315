// What one kernel launch computes and moves, from its arguments, for the rates `pare bench --profile`
// prints: floating-point operations for the products (a multiply-add counts 2) and bytes that must
// cross the memory bus at least once for the memory-bound kernels (each input read and each output
// written once; caches and re-reads are not counted). A kernel without an entry here reports its time
// alone. The formulas follow each kernel's contract in kernels/*.h.
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace pare {

struct KernelWork {
  double flops = 0;
  double bytes = 0;
};

template <auto Entry>
struct KernelWorkOf {
  template <typename... Args>
  static KernelWork of(const Args&...) {
    return {};
  }
};

namespace detail {

inline double product_flops(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k) {
  return 2.0 * static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
}

inline double shape_elements(const std::int64_t* shape, int ndim) {
  double n = 1;
  for (int i = 0; i < ndim; ++i) n *= static_cast<double>(shape[i]);
  return n;
}

// Both attention products (q k^T and p v) of every (batch, head) pair.
inline double attention_flops(const kernels::AttentionDims& d) {
  return 4.0 * static_cast<double>(d.batch) * static_cast<double>(d.heads) * static_cast<double>(d.q_len) *
         static_cast<double>(d.kv_len) * static_cast<double>(d.head_dim);
}

}  // namespace detail

using kernels::KernelTable;

template <>
struct KernelWorkOf<&KernelTable::gemm> {
  template <typename... Rest>
  static KernelWork of(std::int64_t m, std::int64_t n, std::int64_t k, const Rest&...) {
    return {detail::product_flops(1, m, n, k), 4.0 * static_cast<double>(m * k + k * n + m * n)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::gemm_bias> {
  template <typename... Rest>
  static KernelWork of(std::int64_t m, std::int64_t n, std::int64_t k, const Rest&...) {
    return {detail::product_flops(1, m, n, k), 4.0 * static_cast<double>(m * k + k * n + m * n)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::gemm_batched> {
  template <typename... Rest>
  static KernelWork of(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, const Rest&...) {
    return {detail::product_flops(batch, m, n, k), 4.0 * static_cast<double>(batch * (m * k + k * n + m * n))};
  }
};

template <>
struct KernelWorkOf<&KernelTable::gemm_bf16> {
  template <typename... Rest>
  static KernelWork of(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, const Rest&...) {
    return {detail::product_flops(batch, m, n, k), static_cast<double>(batch * (2 * (m * k + k * n) + 4 * m * n))};
  }
};

template <>
struct KernelWorkOf<&KernelTable::gemm_packed> {
  template <typename... Rest>
  static KernelWork of(std::int64_t m, const void*, std::int64_t, const kernels::PackedGemmWeight& b, const Rest&...) {
    const double element = b.bf16 ? 2.0 : 4.0;
    return {detail::product_flops(1, m, b.n, b.k),
            element * static_cast<double>(m * b.k + b.k * b.n) + 4.0 * static_cast<double>(m * b.n)};
  }
};

// Integer multiply-adds count as two operations, as the floating-point ones do.
template <>
struct KernelWorkOf<&KernelTable::gemm_s8_packed> {
  template <typename... Rest>
  static KernelWork of(std::int64_t m, const std::int8_t*, std::int64_t, const float*,
                       const kernels::PackedGemmWeight& w, const Rest&...) {
    return {detail::product_flops(1, m, w.n, w.k),
            static_cast<double>(m * w.k + w.k * w.n) + 4.0 * static_cast<double>(m * w.n)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::attention_forward> {
  template <typename... Rest>
  static KernelWork of(const kernels::AttentionDims& dims, const Rest&...) {
    return {detail::attention_flops(dims), 0};
  }
};

// Four products: the gradients of the probabilities, of v, of q and of k.
template <>
struct KernelWorkOf<&KernelTable::attention_backward> {
  template <typename... Rest>
  static KernelWork of(const kernels::AttentionDims& dims, const Rest&...) {
    return {2.0 * detail::attention_flops(dims), 0};
  }
};

// Reads p, g, m, v and writes p, m, v: 7 floats an element.
template <>
struct KernelWorkOf<&KernelTable::adamw_update> {
  static KernelWork of(const kernels::AdamWTensor* tensors, std::int64_t count) {
    double elements = 0;
    for (std::int64_t i = 0; i < count; ++i) elements += static_cast<double>(tensors[i].n);
    return {0, 28.0 * elements};
  }
};

template <>
struct KernelWorkOf<&KernelTable::activation_forward> {
  static KernelWork of(kernels::Activation, const float*, float*, std::int64_t n) {
    return {0, 8.0 * static_cast<double>(n)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::activation_backward> {
  static KernelWork of(kernels::Activation, const float*, const float*, float*, std::int64_t n) {
    return {0, 12.0 * static_cast<double>(n)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::keep_mask> {
  template <typename... Rest>
  static KernelWork of(std::uint8_t*, std::int64_t n, const Rest&...) {
    return {0, static_cast<double>(n)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::apply_keep_mask> {
  static KernelWork of(const float*, const std::uint8_t*, float, float*, std::int64_t n) {
    return {0, 9.0 * static_cast<double>(n)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::layer_norm_forward> {
  static KernelWork of(const float*, const float* residual, const float*, const float*, float, float*, float*, float*,
                       std::int64_t rows, std::int64_t cols, std::int64_t) {
    return {0, (residual != nullptr ? 12.0 : 8.0) * static_cast<double>(rows * cols)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::layer_norm_backward> {
  static KernelWork of(const float*, const float*, const float* residual, const float*, const float*, const float*,
                       float*, float*, float*, float*, std::int64_t rows, std::int64_t cols, std::int64_t) {
    return {0, (residual != nullptr ? 16.0 : 12.0) * static_cast<double>(rows * cols)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::softmax_forward> {
  static KernelWork of(const float*, float*, std::int64_t rows, std::int64_t cols) {
    return {0, 8.0 * static_cast<double>(rows * cols)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::softmax_backward> {
  static KernelWork of(const float*, const float*, float*, std::int64_t rows, std::int64_t cols) {
    return {0, 12.0 * static_cast<double>(rows * cols)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::sum_axis> {
  static KernelWork of(const float*, float*, std::int64_t outer, std::int64_t reduce, std::int64_t inner) {
    return {0, 4.0 * static_cast<double>(outer * inner * (reduce + 1))};
  }
};

// Counted as if both inputs were read in full; a broadcast input is read less.
template <>
struct KernelWorkOf<&KernelTable::binary_broadcast> {
  static KernelWork of(kernels::BinaryOp, const float*, const std::int64_t*, const float*, const std::int64_t*, float*,
                       const std::int64_t* shape, int ndim) {
    return {0, 12.0 * detail::shape_elements(shape, ndim)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::scale_add> {
  static KernelWork of(const float*, float, float, float*, std::int64_t n) { return {0, 8.0 * static_cast<double>(n)}; }
};

template <>
struct KernelWorkOf<&KernelTable::strided_copy> {
  static KernelWork of(const void*, const std::int64_t*, void*, const std::int64_t*, const std::int64_t* shape,
                       int ndim, std::size_t elem_size) {
    return {0, 2.0 * static_cast<double>(elem_size) * detail::shape_elements(shape, ndim)};
  }
};

template <>
struct KernelWorkOf<&KernelTable::convert> {
  static KernelWork of(const void*, DType from, void*, DType to, std::int64_t n) {
    return {0, static_cast<double>(dtype_size(from) + dtype_size(to)) * static_cast<double>(n)};
  }
};

}  // namespace pare
