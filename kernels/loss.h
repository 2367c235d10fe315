// cross_entropy_forward/backward, kl_div_forward/backward, squared_error_sum: the row loops of the
// losses. Forwards keep per-row log-sum-exps so backwards recompute probabilities in one pass
// instead of storing an [N, C] gradient (the MLM head's C is 30522).
#pragma once

#include <cstdint>

namespace pare::kernels::cpu {

// logits [n, c]; targets [n], each in [0, c) or equal to ignore_index. For every row not ignored,
// row_loss[i] = (1 - eps) * -log p[target] + eps * mean_j(-log p_j) with p = softmax(logits[i]),
// and lse[i] = logsumexp(logits[i]). Ignored rows get 0 in both.
void cross_entropy_forward(const float* logits, const std::int64_t* targets, std::int64_t n, std::int64_t c,
                           std::int64_t ignore_index, float eps, float* row_loss, float* lse);
// grad[i, j] = scale * (p_j - (1 - eps) [j == target] - eps / c) for rows not ignored, 0 for the rest.
void cross_entropy_backward(const float* logits, const std::int64_t* targets, const float* lse, std::int64_t n,
                            std::int64_t c, std::int64_t ignore_index, float eps, float scale, float* grad);

// student s and teacher t [rows, c] at temperature 1 / inv_t: with p = softmax(t * inv_t) and
// q = softmax(s * inv_t), row_kl[i] = sum_j p_j (log p_j - log q_j); lse_s and lse_t receive the
// rows' log-sum-exps of s * inv_t and t * inv_t.
void kl_div_forward(const float* s, const float* t, std::int64_t rows, std::int64_t c, float inv_t, float* row_kl,
                    float* lse_s, float* lse_t);
// grad_s = scale * (q - p) and grad_t = scale * p * ((log p - log q) - row_kl); either may be null.
void kl_div_backward(const float* s, const float* t, std::int64_t rows, std::int64_t c, float inv_t,
                     const float* row_kl, const float* lse_s, const float* lse_t, float scale, float* grad_s,
                     float* grad_t);

// sum_i (a[i] - b[i])^2 in double, over fixed blocks summed in order: the same for any thread count.
double squared_error_sum(const float* a, const float* b, std::int64_t n);

}  // namespace pare::kernels::cpu
