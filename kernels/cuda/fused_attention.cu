// The fused attention kernels (kernels/cuda/fused_attention.h): scores live only in registers, a
// chunk of 32 keys (or queries) at a time in shared memory, and the forward saves each query row's
// largest score and log-sum of exponentials (kernels/cuda/attention_row_state.h says why not their sum). The arithmetic
// is kernels/cpu/attention.cpp's, reordered:
//   forward   one warp per query row; over key chunks, an online softmax (running max m, sum l, the
//             output rescaled when m grows); dropout drops exp(s - m) after the sum took it, which is
//             dropout on the normalised probabilities since they share the row's divisor.
//   backward  D_t = rowsum(dW * W) (dW = dO V^T the gradient of the dropped probabilities W), then
//             dQ one warp per query row and dK, dV (and the scores' gradient) one warp per key row,
//             each recomputing P = exp((s - m) - log l) for its chunk: no atomics, so results do not vary run
//             to run.
// Lane j of a warp owns key (or query) j of the chunk for scores and output dimensions j, j + 32, ...
// for accumulators. The keep decision of element e of the flattened [B, H, T, S] probabilities is lane
// e % 4 of Philox counter counter + e / 4, as everywhere.
#include <cfloat>

#include "kernels/cuda/attention_row_state.h"
#include "kernels/cuda/fused_attention.h"
#include "kernels/cuda/grid.h"
#include "kernels/cuda/scratch.h"
#include "kernels/dropout.h"  // keeps_element

namespace pare::kernels::cuda {
namespace {

constexpr int kChunk = 32;  // keys (queries) per shared-memory chunk: one per lane
constexpr int kRowsPerBlock = kThreadsPerBlock / 32;
constexpr int kMaxDim = kMaxFusedHeadDim;
constexpr int kPerLane = kMaxDim / 32;  // output dimensions a lane accumulates
constexpr int kPadded = kMaxDim + 1;    // row stride in shared memory: lane j reading row j hits bank j

// What every kernel needs to know about the problem, passed by value.
struct Problem {
  AttentionDims dims;
  float scale;
  HeadMatrices q, k, v;
  AttentionMask mask;
  AttentionDropout dropout;
  float keep_scale;
};

// scale * q.k + mask for query t, key s, clamped to the most negative finite float as the CPU does.
__device__ inline float score(const Problem& p, std::int64_t b, std::int64_t h, std::int64_t t, std::int64_t s,
                              float dot) {
  float x = p.scale * dot;
  if (p.mask.data != nullptr) {
    x += p.mask.data[b * p.mask.strides[0] + h * p.mask.strides[1] + t * p.mask.strides[2] + s * p.mask.strides[3]];
  }
  return x < -FLT_MAX ? -FLT_MAX : x;
}

// rows [first, first + 32) of a (b, h) matrix into shared memory (zeros past `rows`), d columns.
__device__ inline void load_chunk(float (*dst)[kPadded], const float* src, std::int64_t row_stride, std::int64_t first,
                                  std::int64_t rows, std::int64_t d) {
  for (std::int64_t i = threadIdx.x; i < kChunk * d; i += blockDim.x) {
    const std::int64_t r = i / d, c = i % d;
    dst[r][c] = first + r < rows ? src[(first + r) * row_stride + c] : 0.0f;
  }
}

// Waits until the block is done with the last chunk, then loads keys and values [s0, s0 + 32).
__device__ inline void next_key_value_chunk(float (*keys)[kPadded], float (*values)[kPadded], const Problem& p,
                                            std::int64_t b, std::int64_t h, std::int64_t s0) {
  __syncthreads();
  load_chunk(keys, p.k.at(b, h), p.k.row_stride, s0, p.dims.kv_len, p.dims.head_dim);
  load_chunk(values, p.v.at(b, h), p.v.row_stride, s0, p.dims.kv_len, p.dims.head_dim);
  __syncthreads();
}

// What dropout multiplies probability e of the flattened [B, H, T, S] by: 1, 0 or 1 / (1 - p).
__device__ inline float keep_factor(const Problem& p, std::int64_t e) {
  if (p.dropout.p <= 0.0f) return 1.0f;
  return keeps_element(p.dropout.seed, p.dropout.counter, e, p.dropout.p) ? p.keep_scale : 0.0f;
}

__device__ inline float dot_row(const float* a, const float* b, std::int64_t d) {
  float acc = 0.0f;
  for (std::int64_t i = 0; i < d; ++i) acc += a[i] * b[i];
  return acc;
}

// The (batch, head) pair of this block (blockIdx.y) and the row of this warp: a query row (rows = T)
// or a key row (rows = S); `active` is false for warps past the last row, which still take part in
// the block's chunk loads.
struct WarpRow {
  std::int64_t bh, b, h, row;
  int warp, lane;
  bool active;
};

__device__ inline WarpRow warp_row(const Problem& p, std::int64_t rows) {
  WarpRow r;
  r.bh = blockIdx.y;
  r.b = r.bh / p.dims.heads;
  r.h = r.bh % p.dims.heads;
  r.warp = static_cast<int>(threadIdx.x / 32);
  r.lane = static_cast<int>(threadIdx.x % 32);
  r.row = static_cast<std::int64_t>(blockIdx.x) * kRowsPerBlock + r.warp;
  r.active = r.row < rows;
  return r;
}

// Row `row` of the (b, h) matrix into dst (d elements), by the warp's lanes.
__device__ inline void load_row(float* dst, const HeadMatrices& m, const WarpRow& r, std::int64_t d) {
  for (std::int64_t i = r.lane; i < d; i += 32) dst[i] = m.at(r.b, r.h)[r.row * m.row_stride + i];
}

// The saved state of a query row: its largest score at [row], log of its sum at [rows + row].
struct RowState {
  float* data;
  std::int64_t rows;
};
struct SavedRowState {
  const float* data;
  std::int64_t rows;
  __device__ float probability(std::int64_t row, float score) const {
    return probability_from_row_state(score, data[row], data[rows + row]);
  }
};

__global__ void forward_kernel(Problem p, RowState state, MutableHeadMatrices out) {
  __shared__ float keys[kChunk][kPadded], values[kChunk][kPadded], query[kRowsPerBlock][kPadded];
  const std::int64_t T = p.dims.q_len, S = p.dims.kv_len, d = p.dims.head_dim;
  const WarpRow r = warp_row(p, T);
  const std::int64_t bh = r.bh, b = r.b, h = r.h, t = r.row;
  const int warp = r.warp, lane = r.lane;
  const bool active = r.active;
  if (active) load_row(query[warp], p.q, r, d);
  float m = -INFINITY, l = 0.0f, acc[kPerLane] = {};
  for (std::int64_t s0 = 0; s0 < S; s0 += kChunk) {
    next_key_value_chunk(keys, values, p, b, h, s0);
    if (!active) continue;
    const std::int64_t s = s0 + lane;
    const float x = s < S ? score(p, b, h, t, s, dot_row(query[warp], keys[lane], d)) : -INFINITY;
    const float m_new = fmaxf(m, warp_max(x));
    const float correction = expf(m - m_new);
    const float e = s < S ? expf(x - m_new) : 0.0f;
    l = l * correction + warp_sum(e);
    const float w = s < S ? e * keep_factor(p, (bh * T + t) * S + s) : 0.0f;
    for (int i = 0; i < kPerLane; ++i) acc[i] *= correction;
    for (int j = 0; j < kChunk; ++j) {
      const float wj = __shfl_sync(0xffffffffu, w, j);
      for (int i = 0; i < kPerLane; ++i) {
        const std::int64_t c = lane + 32 * i;
        if (c < d) acc[i] += wj * values[j][c];
      }
    }
    m = m_new;
  }
  if (!active) return;
  const float inv = 1.0f / l;
  float* o = out.at(b, h) + t * out.row_stride;
  for (int i = 0; i < kPerLane; ++i) {
    const std::int64_t c = lane + 32 * i;
    if (c < d) o[c] = acc[i] * inv;
  }
  if (lane == 0) {
    state.data[bh * T + t] = m;
    state.data[state.rows + bh * T + t] = logf(l);
  }
}

// Per query row t: P, W and dW for each key, giving D_t = rowsum(dW * W) (pass 0) or dQ (pass 1).
template <bool Gradient>
__global__ void query_rows_kernel(Problem p, SavedRowState state, HeadMatrices grad_out, float* rowsum,
                                  MutableHeadMatrices grad_q) {
  __shared__ float keys[kChunk][kPadded], values[kChunk][kPadded];
  __shared__ float query[kRowsPerBlock][kPadded], dout[kRowsPerBlock][kPadded];
  const std::int64_t T = p.dims.q_len, S = p.dims.kv_len, d = p.dims.head_dim;
  const WarpRow r = warp_row(p, T);
  const std::int64_t bh = r.bh, b = r.b, h = r.h, t = r.row;
  const int warp = r.warp, lane = r.lane;
  const bool active = r.active;
  if (active) {
    load_row(query[warp], p.q, r, d);
    load_row(dout[warp], grad_out, r, d);
  }
  const float row_d = Gradient && active ? rowsum[bh * T + t] : 0.0f;
  float dot = 0.0f, acc[kPerLane] = {};
  for (std::int64_t s0 = 0; s0 < S; s0 += kChunk) {
    next_key_value_chunk(keys, values, p, b, h, s0);
    if (!active) continue;
    const std::int64_t s = s0 + lane;
    float prob = 0.0f, dw = 0.0f, keep = 1.0f;
    if (s < S) {
      prob = state.probability(bh * T + t, score(p, b, h, t, s, dot_row(query[warp], keys[lane], d)));
      dw = dot_row(dout[warp], values[lane], d);
      keep = keep_factor(p, (bh * T + t) * S + s);
    }
    if constexpr (!Gradient) {
      dot += dw * prob * keep;
    } else {
      const float ds = prob * (dw * keep - row_d);
      for (int j = 0; j < kChunk; ++j) {
        const float dsj = __shfl_sync(0xffffffffu, ds, j);
        for (int i = 0; i < kPerLane; ++i) {
          const std::int64_t c = lane + 32 * i;
          if (c < d) acc[i] += dsj * keys[j][c];
        }
      }
    }
  }
  if (!active) return;
  if constexpr (!Gradient) {
    dot = warp_sum(dot);
    if (lane == 0) rowsum[bh * T + t] = dot;
  } else {
    float* g = grad_q.at(b, h) + t * grad_q.row_stride;
    for (int i = 0; i < kPerLane; ++i) {
      const std::int64_t c = lane + 32 * i;
      if (c < d) g[c] = p.scale * acc[i];
    }
  }
}

// Per key row s: over query chunks, dV_s = sum_t W_ts dO_t and dK_s = scale * sum_t dS_ts Q_t, and
// the scores' gradient dS when wanted.
__global__ void key_rows_kernel(Problem p, SavedRowState state, const float* rowsum, HeadMatrices grad_out,
                                MutableHeadMatrices grad_k, MutableHeadMatrices grad_v, float* grad_scores) {
  __shared__ float queries[kChunk][kPadded], douts[kChunk][kPadded];
  __shared__ float key[kRowsPerBlock][kPadded], value[kRowsPerBlock][kPadded];
  __shared__ float chunk_max[kChunk], chunk_log_sum[kChunk], chunk_d[kChunk];
  const std::int64_t T = p.dims.q_len, S = p.dims.kv_len, d = p.dims.head_dim;
  const WarpRow r = warp_row(p, S);
  const std::int64_t bh = r.bh, b = r.b, h = r.h, s = r.row;
  const int warp = r.warp, lane = r.lane;
  const bool active = r.active;
  const bool need_scores = grad_k.data != nullptr || grad_scores != nullptr;
  if (active) {
    load_row(key[warp], p.k, r, d);
    load_row(value[warp], p.v, r, d);
  }
  float dk[kPerLane] = {}, dv[kPerLane] = {};
  for (std::int64_t t0 = 0; t0 < T; t0 += kChunk) {
    __syncthreads();
    load_chunk(queries, p.q.at(b, h), p.q.row_stride, t0, T, d);
    load_chunk(douts, grad_out.at(b, h), grad_out.row_stride, t0, T, d);
    if (threadIdx.x < kChunk) {
      const std::int64_t t = t0 + threadIdx.x;
      chunk_max[threadIdx.x] = t < T ? state.data[bh * T + t] : 0.0f;
      chunk_log_sum[threadIdx.x] = t < T ? state.data[state.rows + bh * T + t] : 0.0f;
      chunk_d[threadIdx.x] = t < T && need_scores ? rowsum[bh * T + t] : 0.0f;
    }
    __syncthreads();
    if (!active) continue;
    const std::int64_t t = t0 + lane;
    float w = 0.0f, ds = 0.0f;
    if (t < T) {
      const float prob = probability_from_row_state(score(p, b, h, t, s, dot_row(queries[lane], key[warp], d)),
                                                    chunk_max[lane], chunk_log_sum[lane]);
      const float keep = keep_factor(p, (bh * T + t) * S + s);
      w = prob * keep;
      if (need_scores) {
        ds = prob * (dot_row(douts[lane], value[warp], d) * keep - chunk_d[lane]);
        if (grad_scores != nullptr) grad_scores[(bh * T + t) * S + s] = ds;
      }
    }
    for (int j = 0; j < kChunk; ++j) {
      const float wj = __shfl_sync(0xffffffffu, w, j), dsj = __shfl_sync(0xffffffffu, ds, j);
      for (int i = 0; i < kPerLane; ++i) {
        const std::int64_t c = lane + 32 * i;
        if (c < d) {
          dv[i] += wj * douts[j][c];
          dk[i] += dsj * queries[j][c];
        }
      }
    }
  }
  if (!active) return;
  for (int i = 0; i < kPerLane; ++i) {
    const std::int64_t c = lane + 32 * i;
    if (c >= d) continue;
    if (grad_v.data != nullptr) grad_v.at(b, h)[s * grad_v.row_stride + c] = dv[i];
    if (grad_k.data != nullptr) grad_k.at(b, h)[s * grad_k.row_stride + c] = p.scale * dk[i];
  }
}

dim3 grid_over(std::int64_t rows, const AttentionDims& dims) {
  return dim3(static_cast<unsigned int>((rows + kRowsPerBlock - 1) / kRowsPerBlock),
              static_cast<unsigned int>(dims.batch * dims.heads));
}

Problem problem_of(const AttentionDims& dims, float scale, const HeadMatrices& q, const HeadMatrices& k,
                   const HeadMatrices& v, const AttentionMask& mask, const AttentionDropout& dropout) {
  return {dims, scale, q, k, v, mask, dropout, dropout.p < 1.0f ? 1.0f / (1.0f - dropout.p) : 0.0f};
}

}  // namespace

bool fused_attention_fits(const AttentionDims& dims) {
  // gridDim.y holds batch * heads (at most 65535).
  return dims.head_dim > 0 && dims.head_dim <= kMaxFusedHeadDim && dims.q_len > 0 && dims.kv_len > 0 &&
         dims.batch * dims.heads > 0 && dims.batch * dims.heads <= 65535;
}

void fused_attention_forward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                             const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask,
                             const AttentionDropout& dropout, float* row_state, const MutableHeadMatrices& out) {
  const Problem p = problem_of(dims, scale, q, k, v, mask, dropout);
  const RowState state{row_state, dims.batch * dims.heads * dims.q_len};
  forward_kernel<<<grid_over(dims.q_len, dims), kThreadsPerBlock, 0, stream_of(ctx)>>>(p, state, out);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

void fused_attention_backward(const Context& ctx, const AttentionDims& dims, float scale, const HeadMatrices& q,
                              const HeadMatrices& k, const HeadMatrices& v, const AttentionMask& mask,
                              const float* row_state, const AttentionDropout& dropout, const HeadMatrices& grad_out,
                              const MutableHeadMatrices& grad_q, const MutableHeadMatrices& grad_k,
                              const MutableHeadMatrices& grad_v, float* grad_scores) {
  const Problem p = problem_of(dims, scale, q, k, v, mask, dropout);
  const SavedRowState state{row_state, dims.batch * dims.heads * dims.q_len};
  const bool need_scores = grad_q.data != nullptr || grad_k.data != nullptr || grad_scores != nullptr;
  DeviceScratch rowsum(ctx, need_scores ? static_cast<std::size_t>(dims.batch * dims.heads * dims.q_len) * 4 : 0);
  if (need_scores) {
    query_rows_kernel<false><<<grid_over(dims.q_len, dims), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        p, state, grad_out, rowsum.as<float>(), MutableHeadMatrices{});
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  if (grad_q.data != nullptr) {
    query_rows_kernel<true><<<grid_over(dims.q_len, dims), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        p, state, grad_out, rowsum.as<float>(), grad_q);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
  if (grad_k.data != nullptr || grad_v.data != nullptr || grad_scores != nullptr) {
    key_rows_kernel<<<grid_over(dims.kv_len, dims), kThreadsPerBlock, 0, stream_of(ctx)>>>(
        p, state, rowsum.as<float>(), grad_out, grad_k, grad_v, grad_scores);
    PARE_CUDA_CHECK_LAUNCH(ctx);
  }
}

}  // namespace pare::kernels::cuda
