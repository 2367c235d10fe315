#include "kernels/gemm.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace pare::kernels::cpu {
namespace {

// Below this many multiply-adds per product, BLAS's own threading gains little, so a thread per
// product wins even when the batch does not split evenly (attention's [T, T, 64] products: ~1M).
constexpr std::int64_t kSmallProduct = std::int64_t{1} << 23;

// One product per thread unless the batch splits so unevenly over the threads that large products
// are better run one after another on all of them. Measured on 2 cores (bench/gemm_bench.cpp):
// 12 x [128, 128, 64] about 3.5x and 12 x [512, 512, 64] about 2.4x faster than one after another;
// 3 large products one after another beat 2 + 1 per thread.
bool parallel_over_batch(std::int64_t batch, std::int64_t macs_per_product) {
  const std::int64_t threads = omp_get_max_threads();
  if (batch < 2 || threads < 2) return false;
  const std::int64_t rounds = (batch + threads - 1) / threads;
  const bool balanced = 5 * batch >= 4 * threads * rounds;  // at least 80% of the thread-rounds busy
  return balanced || macs_per_product < kSmallProduct;
}

char trans(bool transposed) { return transposed ? 'T' : 'N'; }

void sgemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const GemmOperand& a, const float* a_data,
           const GemmOperand& b, const float* b_data, float beta, float* c, std::int64_t ldc) {
  const dnnl_status_t status =
      dnnl_sgemm(trans(a.transposed), trans(b.transposed), m, n, k, alpha, a_data, a.ld, b_data, b.ld, beta, c, ldc);
  if (status != dnnl_success) {
    throw std::runtime_error("oneDNN sgemm failed (status " + std::to_string(status) + ") for [" + std::to_string(m) +
                             ", " + std::to_string(k) + "] x [" + std::to_string(k) + ", " + std::to_string(n) + "]");
  }
}

}  // namespace

void gemm(const Context&, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, GemmOperand a, GemmOperand b,
          float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    // BLAS may skip the call entirely for k == 0, leaving an uninitialised c untouched.
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    }
    return;
  }
  sgemm(m, n, k, alpha, a, a.data, b, b.data, beta, c, ldc);
}

void gemm_batched(const Context& ctx, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a,
                  const std::int64_t* a_offsets, GemmOperand b, const std::int64_t* b_offsets, float* c) {
  const std::int64_t c_stride = m * n;
  if (parallel_over_batch(batch, m * n * k)) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < batch; ++i) {
      gemm(ctx, m, n, k, 1.0f, {a.data + a_offsets[i], a.ld, a.transposed}, {b.data + b_offsets[i], b.ld, b.transposed},
           0.0f, c + i * c_stride, n);
    }
    return;
  }
  for (std::int64_t i = 0; i < batch; ++i) {
    gemm(ctx, m, n, k, 1.0f, {a.data + a_offsets[i], a.ld, a.transposed}, {b.data + b_offsets[i], b.ld, b.transposed},
         0.0f, c + i * c_stride, n);
  }
}

void gemm_bias(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, GemmOperand a, GemmOperand b,
               const float* bias, float* c) {
#pragma omp parallel for schedule(static) if (m * n > 32768)
  for (std::int64_t i = 0; i < m; ++i) {
    float* row = c + i * n;
    for (std::int64_t j = 0; j < n; ++j) row[j] = bias[j];
  }
  if (k > 0) gemm(ctx, m, n, k, 1.0f, a, b, 1.0f, c, n);
}

namespace {

// One oneDNN matmul primitive per shape, layout and beta: creating one costs more than a small product.
// Its scratchpad is ours (scratchpad_mode::user, one buffer per thread): with the library's, two
// threads running the same primitive at once share one and corrupt each other's partial sums.
struct Bf16Product {
  dnnl::matmul primitive;
  dnnl::memory::desc scratchpad;
};
using Bf16Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool, std::int64_t, bool, bool>;

// op(x) as a [rows, cols] oneDNN descriptor over a row-major matrix stored with leading dimension ld.
dnnl::memory::desc bf16_operand(std::int64_t rows, std::int64_t cols, std::int64_t ld, bool transposed) {
  const dnnl::memory::dims strides = transposed ? dnnl::memory::dims{1, ld} : dnnl::memory::dims{ld, 1};
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::bf16, strides);
}

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

const Bf16Product& bf16_matmul(std::int64_t m, std::int64_t n, std::int64_t k, const Bf16GemmOperand& a,
                               const Bf16GemmOperand& b, bool accumulate) {
  static std::mutex mutex;
  static std::map<Bf16Key, Bf16Product> primitives;
  const Bf16Key key{m, n, k, a.ld, a.transposed, b.ld, b.transposed, accumulate};
  std::lock_guard lock(mutex);
  auto it = primitives.find(key);
  if (it == primitives.end()) {
    const dnnl::memory::desc dst({m, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (accumulate) {
      dnnl::post_ops ops;
      ops.append_sum(1.0f);
      attr.set_post_ops(ops);
    }
    const dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(bf16_operand(m, k, a.ld, a.transposed), bf16_operand(k, n, b.ld, b.transposed), dst), attr,
        cpu_engine());
    it = primitives.emplace(key, Bf16Product{dnnl::matmul(pd), pd.scratchpad_desc()}).first;
  }
  return it->second;
}

}  // namespace

void gemm_bf16(const Context&, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, Bf16GemmOperand a,
               const std::int64_t* a_offsets, Bf16GemmOperand b, const std::int64_t* b_offsets, float beta, float* c) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    for (std::int64_t i = 0; i < batch * m * n; ++i) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
    return;
  }
  if (beta != 0.0f && beta != 1.0f) throw std::invalid_argument("gemm_bf16: beta must be 0 or 1");
  const Bf16Product& product = bf16_matmul(m, n, k, a, b, beta == 1.0f);
  const dnnl::memory::desc a_desc = bf16_operand(m, k, a.ld, a.transposed),
                           b_desc = bf16_operand(k, n, b.ld, b.transposed);
  const dnnl::memory::desc c_desc({m, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  auto run = [&](std::int64_t i) {
    dnnl::stream stream(cpu_engine());
    // oneDNN takes non-const handles; it only reads sources.
    const dnnl::memory a_mem(a_desc, cpu_engine(), const_cast<std::uint16_t*>(a.data + a_offsets[i]));
    const dnnl::memory b_mem(b_desc, cpu_engine(), const_cast<std::uint16_t*>(b.data + b_offsets[i]));
    const dnnl::memory c_mem(c_desc, cpu_engine(), c + i * m * n);
    thread_local std::vector<unsigned char> scratch;
    scratch.resize(product.scratchpad.get_size());
    const dnnl::memory scratch_mem(product.scratchpad, cpu_engine(), scratch.data());
    product.primitive.execute(
        stream,
        {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}, {DNNL_ARG_SCRATCHPAD, scratch_mem}});
    stream.wait();
  };
  if (!parallel_over_batch(batch, m * n * k)) {
    for (std::int64_t i = 0; i < batch; ++i) run(i);
    return;
  }
  // A oneDNN product inside a parallel region runs on its thread alone, as a BLAS call does.
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < batch; ++i) run(i);
}

}  // namespace pare::kernels::cpu
