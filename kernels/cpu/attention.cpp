#include "kernels/attention.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/thread_budget.h"
#include "kernels/cpu/vector_math.h"  // vexp, vselect
#include "kernels/dropout.h"          // keep_mask_slice

namespace pare::kernels::cpu {
namespace {

constexpr float kLowest = std::numeric_limits<float>::lowest();
// Multiply-adds of one q k^T product summed over the pairs below which threads cost more than they save.
constexpr std::int64_t kParallelWork = 32768;

// Whether the (batch, head) pairs are shared among the threads: enough pairs, and enough work.
bool pairs_in_parallel(std::int64_t pairs, std::int64_t work_per_pair) {
  return pairs > 1 && pairs * work_per_pair > kParallelWork;
}

// c[m, n] = alpha * op(a) @ op(b) for row-major operands; ld* are the stored row lengths.
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float* c, std::int64_t ldc) {
  // Inside the per-pair parallel region oneDNN runs on the calling thread alone.
  const dnnl_status_t status =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc);
  if (status != dnnl_success)
    throw std::runtime_error("oneDNN sgemm failed in attention (status " + std::to_string(status) + ")");
}

// Adds the mask row to the scores row and replaces it by its softmax. Scores are clamped to the
// most negative finite float, so a row whose keys are all masked (even with -inf) is uniform, not NaN.
// vselect rather than std::max: GCC leaves std::max reductions scalar (5x slower here).
void masked_softmax_row(float* row, const float* mask_row, std::int64_t mask_stride, std::int64_t n) {
  float max = kLowest;
  if (mask_row != nullptr && mask_stride == 1) {
    // The usual layout (a padding or causal mask row) gets a contiguous loop.
#pragma omp simd reduction(max : max)
    for (std::int64_t s = 0; s < n; ++s) {
      const float x = row[s] + mask_row[s];
      row[s] = vselect(x < kLowest, kLowest, x);
      max = vselect(row[s] > max, row[s], max);
    }
  } else {
    const float zero = 0.0f;
    const float* m = mask_row != nullptr ? mask_row : &zero;
    const std::int64_t stride = mask_row != nullptr ? mask_stride : 0;
#pragma omp simd reduction(max : max)
    for (std::int64_t s = 0; s < n; ++s) {
      const float x = row[s] + m[s * stride];
      row[s] = vselect(x < kLowest, kLowest, x);
      max = vselect(row[s] > max, row[s], max);
    }
  }
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t s = 0; s < n; ++s) {
    row[s] = vexp(row[s] - max);
    sum += row[s];
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (std::int64_t s = 0; s < n; ++s) row[s] *= inv;
}

// dst = src * keep * keep_scale: the probabilities after dropout, or the gradient through it.
void apply_keep(const float* src, const std::uint8_t* keep, float keep_scale, float* dst, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) dst[i] = vselect(keep[i] != 0, src[i] * keep_scale, 0.0f);
}

}  // namespace

std::int64_t attention_saved_size(const Context&, const AttentionDims& dims) {
  return dims.batch * dims.heads * dims.q_len * dims.kv_len;
}

void attention_forward(const Context&, const AttentionDims& dims, float scale, const HeadMatrices& q,
                       const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask,
                       const AttentionDropout& dropout, float* saved, const MutableHeadMatrices& out) {
  const std::int64_t T = dims.q_len, S = dims.kv_len, d = dims.head_dim, H = dims.heads;
  const std::int64_t pairs = dims.batch * H;
  const bool drop = dropout.p > 0.0f;
  const float keep_scale = dropout.p < 1.0f ? 1.0f / (1.0f - dropout.p) : 0.0f;
  // One (batch, head) pair per thread: oneDNN runs single-threaded inside a parallel region.
  const bool parallel = pairs_in_parallel(pairs, T * S * d);
  // Pairs not shared among the threads (batch 1 with one head, as heads-pruned models run) leave
  // oneDNN one thread for their small products: split over two they ran 4-10x slower.
  const ThreadLimit one_thread(parallel ? omp_get_max_threads() : 1);
#pragma omp parallel if (parallel)
  {
    std::vector<float> dropped(drop ? static_cast<std::size_t>(T * S) : 0);
    std::vector<std::uint8_t> keep(dropped.size());
#pragma omp for schedule(static)
    for (std::int64_t bh = 0; bh < pairs; ++bh) {
      const std::int64_t b = bh / H, h = bh % H;
      float* p = saved + bh * T * S;
      sgemm(false, true, T, S, d, scale, q.at(b, h), q.row_stride, k.at(b, h), k.row_stride, p, S);
      for (std::int64_t t = 0; t < T; ++t) {
        const float* mask_row = mask.data == nullptr
                                    ? nullptr
                                    : mask.data + b * mask.strides[0] + h * mask.strides[1] + t * mask.strides[2];
        masked_softmax_row(p + t * S, mask_row, mask.strides[3], S);
      }
      const float* weights = p;
      if (drop) {
        keep_mask_slice(keep.data(), T * S, dropout.seed, dropout.counter, bh * T * S, dropout.p);
        apply_keep(p, keep.data(), keep_scale, dropped.data(), T * S);
        weights = dropped.data();
      }
      sgemm(false, false, T, d, S, 1.0f, weights, S, v.at(b, h), v.row_stride, out.at(b, h), out.row_stride);
    }
  }
}

void attention_backward(const Context&, const AttentionDims& dims, float scale, const HeadMatrices& q,
                        const HeadMatrices& k, const HeadMatrices& v, const AttentionMask&, const float* saved,
                        const AttentionDropout& dropout, const HeadMatrices& grad_out,
                        const MutableHeadMatrices& grad_q, const MutableHeadMatrices& grad_k,
                        const MutableHeadMatrices& grad_v, float* grad_scores) {
  const std::int64_t T = dims.q_len, S = dims.kv_len, d = dims.head_dim, H = dims.heads;
  const std::int64_t pairs = dims.batch * H;
  const bool drop = dropout.p > 0.0f;
  const float keep_scale = dropout.p < 1.0f ? 1.0f / (1.0f - dropout.p) : 0.0f;
  const bool need_scores = grad_q.data != nullptr || grad_k.data != nullptr || grad_scores != nullptr;
  const bool parallel = pairs_in_parallel(pairs, T * S * d);
  // Pairs not shared among the threads (batch 1 with one head, as heads-pruned models run) leave
  // oneDNN one thread for their small products: split over two they ran 4-10x slower.
  const ThreadLimit one_thread(parallel ? omp_get_max_threads() : 1);
#pragma omp parallel if (parallel)
  {
    std::vector<float> dropped(drop ? static_cast<std::size_t>(T * S) : 0);
    std::vector<std::uint8_t> keep(dropped.size());
    std::vector<float> scratch(need_scores && grad_scores == nullptr ? static_cast<std::size_t>(T * S) : 0);
#pragma omp for schedule(static)
    for (std::int64_t bh = 0; bh < pairs; ++bh) {
      const std::int64_t b = bh / H, h = bh % H;
      const float* p = saved + bh * T * S;
      const float* dout = grad_out.at(b, h);
      const float* weights = p;
      if (drop) {
        keep_mask_slice(keep.data(), T * S, dropout.seed, dropout.counter, bh * T * S, dropout.p);
        apply_keep(p, keep.data(), keep_scale, dropped.data(), T * S);
        weights = dropped.data();
      }
      // dV = P_dropped^T dO.
      if (grad_v.data != nullptr) {
        sgemm(true, false, S, d, T, 1.0f, weights, S, dout, grad_out.row_stride, grad_v.at(b, h), grad_v.row_stride);
      }
      if (!need_scores) continue;
      // dS = P * (dP - rowsum(dP * P)), where dP is the gradient of the probabilities before
      // dropout; rowsum(dP * P) equals rowsum(dP_dropped * P_dropped), computed before dP replaces it.
      float* ds = grad_scores != nullptr ? grad_scores + bh * T * S : scratch.data();
      sgemm(false, true, T, S, d, 1.0f, dout, grad_out.row_stride, v.at(b, h), v.row_stride, ds, S);
      for (std::int64_t t = 0; t < T; ++t) {
        float* row = ds + t * S;
        const float* p_row = p + t * S;
        const float* w_row = weights + t * S;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (std::int64_t s = 0; s < S; ++s) dot += row[s] * w_row[s];
        if (drop) apply_keep(row, keep.data() + t * S, keep_scale, row, S);
#pragma omp simd
        for (std::int64_t s = 0; s < S; ++s) row[s] = p_row[s] * (row[s] - dot);
      }
      // dQ = dS K * scale, dK = dS^T Q * scale.
      if (grad_q.data != nullptr) {
        sgemm(false, false, T, d, S, scale, ds, S, k.at(b, h), k.row_stride, grad_q.at(b, h), grad_q.row_stride);
      }
      if (grad_k.data != nullptr) {
        sgemm(true, false, S, d, T, scale, ds, S, q.at(b, h), q.row_stride, grad_k.at(b, h), grad_k.row_stride);
      }
    }
  }
}

}  // namespace pare::kernels::cpu
