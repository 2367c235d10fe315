// GEMM at BERT-base shapes: pare::linear / pare::matmul against dnnl_sgemm called directly into a
// preallocated buffer with the same operand layout, so the ratio is pare's overhead (allocation,
// checks, dispatch). GFLOP/s counts 2*M*N*K per product.
//
// Measured when the products ran on OpenBLAS (0.3.21 OpenMP build, Cooperlake kernel, 2 threads;
// other builds sharing the cores), medians of 10 randomly interleaved repetitions of 0.5 s:
// linear / direct and matmul / direct throughput 0.99-1.01 at all four BERT shapes, all at
// 175-205 GFLOP/s. Attention scores (batch-parallel, one product per thread) against the products
// one after another: 12 x T=128 143 vs 224 us, 96 x T=128 1308 vs 2052 us, 12 x T=512 2549 vs 2957 us.
#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.h>

#include "runtime/ops/matmul.h"
#include "runtime/random.h"

namespace pare {
namespace {

void report_flops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Args: M (rows of x), N (output features), K (input features).
void BM_Linear(benchmark::State& state) {
  const std::int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Generator gen(1);
  const Tensor x = Tensor::randn({m, k}, gen), w = Tensor::randn({n, k}, gen);
  for (auto _ : state) benchmark::DoNotOptimize(linear(x, w));
  report_flops(state, 2.0 * m * n * k);
}

void BM_LinearBias(benchmark::State& state) {
  const std::int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Generator gen(1);
  const Tensor x = Tensor::randn({m, k}, gen), w = Tensor::randn({n, k}, gen), b = Tensor::randn({n}, gen);
  for (auto _ : state) benchmark::DoNotOptimize(linear(x, w, b));
  report_flops(state, 2.0 * m * n * k);
}

// A [M, K] @ B into a preallocated C [M, N], B stored as [N, K] and transposed (linear's weight) or
// as [K, N] (matmul's operand): the call pare makes, without pare around it.
void direct_sgemm(benchmark::State& state, bool b_transposed) {
  const int m = static_cast<int>(state.range(0)), n = static_cast<int>(state.range(1)),
            k = static_cast<int>(state.range(2));
  Generator gen(1);
  const Tensor a = Tensor::randn({m, k}, gen);
  const Tensor b = b_transposed ? Tensor::randn({n, k}, gen) : Tensor::randn({k, n}, gen);
  const char trans_b = b_transposed ? 'T' : 'N';
  const int ldb = b_transposed ? k : n;
  Tensor c = Tensor::zeros({m, n});
  for (auto _ : state) {
    dnnl_sgemm('N', trans_b, m, n, k, 1.0f, a.data<float>(), k, b.data<float>(), ldb, 0.0f, c.data<float>(), n);
    benchmark::ClobberMemory();
  }
  report_flops(state, 2.0 * m * n * k);
}

void BM_DirectSgemmTransB(benchmark::State& state) { direct_sgemm(state, /*b_transposed=*/true); }

void BM_Matmul(benchmark::State& state) {
  const std::int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Generator gen(1);
  const Tensor a = Tensor::randn({m, k}, gen), b = Tensor::randn({k, n}, gen);
  for (auto _ : state) benchmark::DoNotOptimize(matmul(a, b));
  report_flops(state, 2.0 * m * n * k);
}

void BM_DirectSgemm(benchmark::State& state) { direct_sgemm(state, /*b_transposed=*/false); }

void bert_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "N", "K"});
  b->Args({128, 768, 768})->Args({128, 3072, 768})->Args({2048, 768, 3072})->Args({2048, 768, 768});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Linear)->Apply(bert_shapes);
BENCHMARK(BM_LinearBias)->Apply(bert_shapes);
BENCHMARK(BM_DirectSgemmTransB)->Apply(bert_shapes);
BENCHMARK(BM_Matmul)->Apply(bert_shapes);
BENCHMARK(BM_DirectSgemm)->Apply(bert_shapes);

// Attention scores: Q [B*H, T, d] @ K^T for BERT-base heads (d = 64), K^T a transposed view.
// Args: batch entries (B * H), sequence length T.
void BM_MatmulAttentionScores(benchmark::State& state) {
  const std::int64_t bh = state.range(0), t = state.range(1), d = 64;
  Generator gen(1);
  const Tensor q = Tensor::randn({bh, t, d}, gen), key = Tensor::randn({bh, t, d}, gen);
  const Tensor kt = key.transpose(-1, -2);
  for (auto _ : state) benchmark::DoNotOptimize(matmul(q, kt));
  report_flops(state, 2.0 * bh * t * t * d);
}

// The same products as one dnnl_sgemm after another, each free to use every thread.
void BM_DirectSgemmAttentionScores(benchmark::State& state) {
  const int bh = static_cast<int>(state.range(0)), t = static_cast<int>(state.range(1)), d = 64;
  Generator gen(1);
  const Tensor q = Tensor::randn({bh, t, d}, gen), key = Tensor::randn({bh, t, d}, gen);
  Tensor c = Tensor::zeros({bh, t, t});
  for (auto _ : state) {
    for (int i = 0; i < bh; ++i) {
      dnnl_sgemm('N', 'T', t, t, d, 1.0f, q.data<float>() + i * t * d, d, key.data<float>() + i * t * d, d, 0.0f,
                 c.data<float>() + i * t * t, t);
    }
    benchmark::ClobberMemory();
  }
  report_flops(state, 2.0 * bh * t * t * d);
}

void attention_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"BH", "T"})
      ->Args({12, 128})
      ->Args({96, 128})
      ->Args({12, 512})
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_MatmulAttentionScores)->Apply(attention_shapes);
BENCHMARK(BM_DirectSgemmAttentionScores)->Apply(attention_shapes);

}  // namespace
}  // namespace pare
