// quantize_rows_s8, dequantize_gather_s8, packed_s8_weight_bytes, pack_s8_weight, gemm_s8_packed: the
// kernels of int8 inference (runtime/ops/quantized.h). Every quantity is symmetric (no zero point):
// a row r of a matrix x is stored as q[r, :] (s8 in [-127, 127]) with one f32 scale s[r], and stands
// for q[r, :] * s[r]. Weights are quantized per output channel (one scale per row of [out, in]) once,
// by `pare quantize`; activations per row on every product, as they arrive (dynamic quantization).
//
// Why per row and not one scale for the whole activation: per row is as accurate or more (a token
// with large values costs the others no resolution), needs one pass over the rows where a tensor-wide
// maximum needs two, and costs one cheap pass over the product's output (measured below).
//
// On the CPU the products run on oneDNN's int8 matmul (s8 x s8 -> s32 on AVX512_VNNI, about 4x the
// multiply-adds of f32 per cycle). oneDNN 2.6 applies the weight scales in the product (built into
// the primitive, kernels/cpu/onednn_matmul.cpp); a per-row scale as a post-op sends it to its
// reference kernel (about 100x slower, 2 Zen 5 cores), and a bias there would be scaled by the row's
// scale, so the row scales and the bias are applied in one pass after it (a few percent of a product).
//
// CUDA has no int8 path yet: its backend marks these kernels absent, and running an int8 model on a
// CUDA device says so, naming the kernel and the device.
#pragma once

#include <cstdint>
#include <memory>

#include "kernels/context.h"
#include "kernels/gemm.h"  // PackedGemmWeight

namespace pare::kernels::cpu {

// For each row r of x [rows, cols] (rows packed): scale[r] = max|x[r, :]| / 127 and q[r, c] =
// round-half-even(x[r, c] * (127 / max|x[r, :]|)), which lies in [-127, 127]. A row of zeros gets scale
// 0 and zeros. A row holding NaN or an infinity gets scale NaN and zeros, so that whatever is computed
// from it is NaN instead of a finite value that hides the bad input.
void quantize_rows_s8(const Context& ctx, std::int64_t rows, std::int64_t cols, const float* x, std::int8_t* q,
                      float* scale);

// out[j, :] = table[ids[j], :] * scale[ids[j]] for j < m, with table [n, cols]: an embedding lookup
// from an int8 table. An id outside [0, n) throws std::out_of_range naming it and its position j.
void dequantize_gather_s8(const Context& ctx, const std::int8_t* table, const float* scale, std::int64_t n,
                          std::int64_t cols, const std::int64_t* ids, std::int64_t m, float* out);

// w [n, k] (s8, rows k apart: Hugging Face's [out, in] layout, so the product reads it transposed) in
// the layout the int8 products read, written to `storage` (packed_s8_weight_bytes of them, owned by
// the caller and kept while the packed weight is used; on the CPU oneDNN's blocked format with the
// sums it needs to take s8 activations).
std::int64_t packed_s8_weight_bytes(const Context& ctx, std::int64_t n, std::int64_t k);
std::shared_ptr<const PackedGemmWeight> pack_s8_weight(const Context& ctx, std::int64_t n, std::int64_t k,
                                                       const std::int8_t* w, void* storage);

// c[i, j] = (a_scale[i] * w_scale[j]) * sum_k a[i, k] * w[j, k] (+ bias[j], when bias is not null),
// with a [m, k] s8 (rows lda apart), w packed by pack_s8_weight and c [m, n] f32 (packed rows). The
// integer sums are exact (s32).
void gemm_s8_packed(const Context& ctx, std::int64_t m, const std::int8_t* a, std::int64_t lda, const float* a_scale,
                    const PackedGemmWeight& w, const float* w_scale, const float* bias, float* c);

}  // namespace pare::kernels::cpu
