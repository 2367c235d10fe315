// The CPU's int8 kernels (kernels/int8.h): row quantization and int8 embedding lookup in plain loops
// the compiler vectorises, the products on oneDNN's int8 matmul (kernels/cpu/onednn_matmul.h).
#include "kernels/int8.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels/cpu/onednn_matmul.h"
#include "kernels/cpu/parallel_ranges.h"  // PARE_VECTOR_CLONES
#include "kernels/cpu/thread_budget.h"

namespace pare::kernels::cpu {
namespace {

constexpr float kLargestLevel = 127.0f;

// The bits of |x|: for non-negative floats the integer order is the float order, infinity's bits
// (0x7f800000) lie above every finite value's and every NaN's above infinity's. An integer maximum
// vectorises without -ffast-math and keeps a NaN, where a float one (std::max) would drop it.
constexpr std::uint32_t kInfinityBits = 0x7f800000u;
inline std::uint32_t magnitude_bits(float x) { return std::bit_cast<std::uint32_t>(x) & 0x7fffffffu; }

// round-half-even(v) for |v| < 2^22: adding 1.5 * 2^23 leaves no fraction bits, and the addition
// rounds as the FPU does (to nearest, ties to even). Written out so that the loop vectorises.
inline float round_half_even(float v) { return (v + 12582912.0f) - 12582912.0f; }

// AVX-512 where the CPU has it: 2x the AVX2 loop on rows in cache (5.6 -> 11 G elements/s, one Zen 5
// core, 64 x 192).
PARE_VECTOR_CLONES void quantize_row(const float* x, std::int64_t cols, std::int8_t* q, float& scale) {
  std::uint32_t largest_bits = 0;
  for (std::int64_t c = 0; c < cols; ++c) largest_bits = std::max(largest_bits, magnitude_bits(x[c]));
  if (largest_bits >= kInfinityBits || largest_bits == 0) {
    std::fill_n(q, cols, std::int8_t{0});
    scale = largest_bits == 0 ? 0.0f : std::numeric_limits<float>::quiet_NaN();
    return;
  }
  const float largest = std::bit_cast<float>(largest_bits);
  const float inverse = kLargestLevel / largest;
  // |x[c] * inverse| <= 127 up to one rounding, which round_half_even brings back to 127: no clamp
  // (one halved the loop's speed).
  for (std::int64_t c = 0; c < cols; ++c) {
    q[c] = static_cast<std::int8_t>(static_cast<std::int32_t>(round_half_even(x[c] * inverse)));
  }
  scale = largest / kLargestLevel;
}

// c[i, :] = c[i, :] * row_scale[i] (+ bias) for rows [begin, end): the part of an int8 product
// oneDNN 2.6 cannot do at speed.
PARE_VECTOR_CLONES void scale_rows_add_bias(float* c, std::int64_t begin, std::int64_t end, std::int64_t n,
                                            const float* row_scale, const float* bias) {
  for (std::int64_t i = begin; i < end; ++i) {
    float* row = c + i * n;
    const float s = row_scale[i];
    if (bias != nullptr) {
      for (std::int64_t j = 0; j < n; ++j) row[j] = row[j] * s + bias[j];
    } else {
      for (std::int64_t j = 0; j < n; ++j) row[j] *= s;
    }
  }
}

}  // namespace

void quantize_rows_s8(const Context&, std::int64_t rows, std::int64_t cols, const float* x, std::int8_t* q,
                      float* scale) {
  // Parallel from 64K elements, like the other single-pass element-wise kernels (kernels/cpu/copy.cpp).
  const int threads = elementwise_threads(rows * cols, 65536);
  if (threads == 1) {
    for (std::int64_t r = 0; r < rows; ++r) quantize_row(x + r * cols, cols, q + r * cols, scale[r]);
    return;
  }
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t r = 0; r < rows; ++r) quantize_row(x + r * cols, cols, q + r * cols, scale[r]);
}

void dequantize_gather_s8(const Context&, const std::int8_t* table, const float* scale, std::int64_t n,
                          std::int64_t cols, const std::int64_t* ids, std::int64_t m, float* out) {
  for (std::int64_t j = 0; j < m; ++j) {
    if (ids[j] < 0 || ids[j] >= n) {
      throw std::out_of_range("index " + std::to_string(ids[j]) + " at position " + std::to_string(j) +
                              " out of range [0, " + std::to_string(n) + ")");
    }
  }
  const int threads = elementwise_threads(m * cols, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t j = 0; j < m; ++j) {
    const std::int8_t* row = table + ids[j] * cols;
    const float s = scale[ids[j]];
    float* o = out + j * cols;
    for (std::int64_t c = 0; c < cols; ++c) o[c] = static_cast<float>(row[c]) * s;
  }
}

std::int64_t packed_s8_weight_bytes(const Context&, std::int64_t n, std::int64_t k) {
  return onednn_packed_weight_bytes(MatmulOperands::s8, n, k);
}

std::shared_ptr<const PackedGemmWeight> pack_s8_weight(const Context&, std::int64_t n, std::int64_t k,
                                                       const std::int8_t* w, void* storage) {
  // op(b)[k, n] = w^T: w's rows, k apart, are read as columns.
  return onednn_pack_weight(MatmulOperands::s8, n, k, w, k, true, storage);
}

void gemm_s8_packed(const Context&, std::int64_t m, const std::int8_t* a, std::int64_t lda, const float* a_scale,
                    const PackedGemmWeight& w, const float* w_scale, const float* bias, float* c) {
  if (m == 0 || w.n == 0) return;
  const auto* packed = dynamic_cast<const OnednnPackedWeight*>(&w);
  if (packed == nullptr || !packed->s8) {
    throw std::invalid_argument("gemm_s8_packed: a weight not packed by pack_s8_weight");
  }
  // c = sums * w_scale[j] in the product, then the row scales and the bias in one pass.
  onednn_matmul_packed(m, a, lda, *packed, nullptr, c, w_scale);
  // Parallel from 64K elements, as quantize_rows_s8.
  const int threads = elementwise_threads(m * w.n, 65536);
  if (threads == 1) return scale_rows_add_bias(c, 0, m, w.n, a_scale, bias);
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t per = (m + threads - 1) / threads, begin = std::min(m, per * omp_get_thread_num());
    scale_rows_add_bias(c, begin, std::min(m, begin + per), w.n, a_scale, bias);
  }
}

}  // namespace pare::kernels::cpu
