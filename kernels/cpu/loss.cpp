#include "kernels/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/thread_budget.h"
#include "kernels/cpu/vector_math.h"  // vexp, vselect

namespace pare::kernels::cpu {
namespace {

// Elements below which a parallel region costs more than it saves.
constexpr std::int64_t kParallelElements = 16384;
constexpr std::int64_t kSumBlock = 4096;

// logsumexp of x[j] * mult over a row.
float row_logsumexp(const float* x, std::int64_t c, float mult) {
  float max = -std::numeric_limits<float>::infinity();
  // vselect rather than std::max, which GCC leaves scalar.
#pragma omp simd reduction(max : max)
  for (std::int64_t j = 0; j < c; ++j) max = vselect(x[j] * mult > max, x[j] * mult, max);
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t j = 0; j < c; ++j) sum += vexp(x[j] * mult - max);
  return max + std::log(sum);
}

// log softmax(x * inv_t) of one row, in double: log p_j = (x_j - max) * inv_t - log sum_k exp((x_k -
// max) * inv_t). Taking the maximum out before scaling keeps the exponents at most 0 at any temperature.
class RowLogSoftmax {
 public:
  RowLogSoftmax(const float* x, std::int64_t c, double inv_t) : max_(*std::max_element(x, x + c)), inv_t_(inv_t) {
    double sum = 0.0;
    for (std::int64_t j = 0; j < c; ++j) sum += std::exp(scaled(x[j]));
    log_sum_ = std::log(sum);
  }
  double operator()(float x) const { return scaled(x) - log_sum_; }

 private:
  double scaled(float x) const { return (static_cast<double>(x) - max_) * inv_t_; }

  double max_;
  double inv_t_;
  double log_sum_ = 0.0;
};

}  // namespace

void cross_entropy_forward(const Context&, const float* logits, const std::int64_t* targets, std::int64_t n,
                           std::int64_t c, std::int64_t ignore_index, float eps, float* row_loss, float* lse,
                           float* loss, float* valid_rows) {
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (targets[i] == ignore_index) continue;
    if (targets[i] < 0 || targets[i] >= c) {
      throw std::out_of_range("target " + std::to_string(targets[i]) + " at row " + std::to_string(i) +
                              " out of range for " + std::to_string(c) + " classes (ignore_index is " +
                              std::to_string(ignore_index) + ")");
    }
    ++count;
  }
  const int threads = elementwise_threads(n * c, kParallelElements);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t i = 0; i < n; ++i) {
    const float* z = logits + i * c;
    if (targets[i] == ignore_index) {
      row_loss[i] = 0.0f;
      lse[i] = 0.0f;
      continue;
    }
    const float l = row_logsumexp(z, c, 1.0f);
    float total = 0.0f;
#pragma omp simd reduction(+ : total)
    for (std::int64_t j = 0; j < c; ++j) total += z[j];
    // -log p_j = l - z_j, so mean_j(-log p_j) = l - mean_j(z_j).
    row_loss[i] = (1.0f - eps) * (l - z[targets[i]]) + eps * (l - total / static_cast<float>(c));
    lse[i] = l;
  }
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) sum += row_loss[i];
  *loss = count > 0 ? static_cast<float>(sum / static_cast<double>(count)) : 0.0f;
  *valid_rows = static_cast<float>(count);
}

void cross_entropy_backward(const Context&, const float* logits, const std::int64_t* targets, const float* lse,
                            std::int64_t n, std::int64_t c, std::int64_t ignore_index, float eps,
                            const float* grad_loss, const float* valid_rows, float* grad) {
  const auto scale =
      static_cast<float>(*valid_rows > 0.0f ? static_cast<double>(*grad_loss) / static_cast<double>(*valid_rows) : 0.0);
  const float uniform = eps / static_cast<float>(c);
  const int threads = elementwise_threads(n * c, kParallelElements);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t i = 0; i < n; ++i) {
    float* g = grad + i * c;
    if (targets[i] == ignore_index) {
      std::fill(g, g + c, 0.0f);
      continue;
    }
    const float* z = logits + i * c;
    const float l = lse[i];
#pragma omp simd
    for (std::int64_t j = 0; j < c; ++j) g[j] = scale * (vexp(z[j] - l) - uniform);
    g[targets[i]] -= scale * (1.0f - eps);
  }
}

void kl_div_forward(const Context&, const float* s, const float* t, std::int64_t rows, std::int64_t c, double inv_t,
                    double loss_scale, float* row_kl, float* loss) {
  const int threads = elementwise_threads(rows * c, kParallelElements);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* si = s + i * c;
    const float* ti = t + i * c;
    const RowLogSoftmax log_q(si, c, inv_t), log_p(ti, c, inv_t);
    double kl = 0.0;
    for (std::int64_t j = 0; j < c; ++j) {
      const double lp = log_p(ti[j]);
      kl += std::exp(lp) * (lp - log_q(si[j]));
    }
    row_kl[i] = static_cast<float>(std::max(kl, 0.0));
  }
  double total = 0.0;
  for (std::int64_t i = 0; i < rows; ++i) total += row_kl[i];
  *loss = static_cast<float>(total * loss_scale);
}

void kl_div_backward(const Context&, const float* s, const float* t, std::int64_t rows, std::int64_t c, double inv_t,
                     const float* row_kl, const float* grad_loss, double grad_scale, float* grad_s, float* grad_t) {
  const double scale = static_cast<double>(*grad_loss) * grad_scale;
  const int threads = elementwise_threads(rows * c, kParallelElements);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* si = s + i * c;
    const float* ti = t + i * c;
    const RowLogSoftmax log_q(si, c, inv_t), log_p(ti, c, inv_t);
    const double kl = row_kl[i];
    for (std::int64_t j = 0; j < c; ++j) {
      const double lp = log_p(ti[j]), lq = log_q(si[j]);
      if (grad_s != nullptr) grad_s[i * c + j] = static_cast<float>(scale * (std::exp(lq) - std::exp(lp)));
      if (grad_t != nullptr) grad_t[i * c + j] = static_cast<float>(scale * std::exp(lp) * (lp - lq - kl));
    }
  }
}

void mean_squared_error(const Context&, const float* a, const float* b, std::int64_t n, float* out) {
  const std::int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks));
  const int threads = elementwise_threads(n, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t k = 0; k < blocks; ++k) {
    const std::int64_t begin = k * kSumBlock, end = std::min(n, begin + kSumBlock);
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (std::int64_t i = begin; i < end; ++i) {
      const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
      sum += d * d;
    }
    partial[static_cast<std::size_t>(k)] = sum;
  }
  double total = 0.0;
  for (double p : partial) total += p;
  *out = static_cast<float>(total / static_cast<double>(n));
}

}  // namespace pare::kernels::cpu
