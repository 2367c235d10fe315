// cross_entropy_forward/backward, kl_div_forward/backward, mean_squared_error: the row loops of the
// losses. Forwards keep per-row log-sum-exps so backwards recompute probabilities in one pass
// instead of storing an [N, C] gradient (the MLM head's C is 30522). The loss and the upstream
// gradient stay in device memory (one float each): a training step reads none of them on the host.
#pragma once

#include <cstdint>

#include "kernels/context.h"

namespace pare::kernels::cpu {

// logits [n, c]; targets [n], each in [0, c) or equal to ignore_index. For every row not ignored,
// row_loss[i] = (1 - eps) * -log p[target] + eps * mean_j(-log p_j) with p = softmax(logits[i]),
// and lse[i] = logsumexp(logits[i]). Ignored rows get 0 in both. *valid_rows = the rows not ignored,
// *loss = their mean row_loss (summed in double, in row order; 0 when every row is ignored). A target
// out of range throws std::out_of_range naming it and its row.
void cross_entropy_forward(const Context& ctx, const float* logits, const std::int64_t* targets, std::int64_t n,
                           std::int64_t c, std::int64_t ignore_index, float eps, float* row_loss, float* lse,
                           float* loss, float* valid_rows);
// grad[i, j] = scale * (p_j - (1 - eps) [j == target] - eps / c) for rows not ignored, 0 for the rest,
// with scale = *grad_loss / *valid_rows (0 when no row is valid).
void cross_entropy_backward(const Context& ctx, const float* logits, const std::int64_t* targets, const float* lse,
                            std::int64_t n, std::int64_t c, std::int64_t ignore_index, float eps,
                            const float* grad_loss, const float* valid_rows, float* grad);

// student s and teacher t [rows, c] at temperature 1 / inv_t: with p = softmax(t * inv_t) and
// q = softmax(s * inv_t), row_kl[i] = sum_j p_j (log p_j - log q_j), never below 0; *loss =
// loss_scale * sum_i row_kl[i]. Each row is computed in double from logits less their row maximum:
// at a high temperature p and q nearly agree, and in f32 the difference of their log-sum-exps drowns
// in rounding (KL came out negative at T = 100 and 0 at T = 1e10).
void kl_div_forward(const Context& ctx, const float* s, const float* t, std::int64_t rows, std::int64_t c, double inv_t,
                    double loss_scale, float* row_kl, float* loss);
// With scale = *grad_loss * grad_scale: grad_s = scale * (q - p) and
// grad_t = scale * p * ((log p - log q) - row_kl), p and q recomputed in double as in the forward;
// either output may be null.
void kl_div_backward(const Context& ctx, const float* s, const float* t, std::int64_t rows, std::int64_t c,
                     double inv_t, const float* row_kl, const float* grad_loss, double grad_scale, float* grad_s,
                     float* grad_t);

// *out = mean_i (a[i] - b[i])^2, summed in double over fixed blocks added in order: the same for any
// thread count.
void mean_squared_error(const Context& ctx, const float* a, const float* b, std::int64_t n, float* out);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::cross_entropy_forward) cross_entropy_forward;
decltype(cpu::cross_entropy_backward) cross_entropy_backward;
decltype(cpu::kl_div_forward) kl_div_forward;
decltype(cpu::kl_div_backward) kl_div_backward;
decltype(cpu::mean_squared_error) mean_squared_error;
}  // namespace pare::kernels::cuda
