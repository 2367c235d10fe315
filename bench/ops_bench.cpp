// Memory-bound ops at BERT-base sizes, in GB/s of tensor data read and written: LayerNorm on the
// hidden states [B*T, 768], softmax on attention scores [B*H*T, T], GELU on the FFN activations.
// Forward through the op; backward through the node the op recorded, so only the op's own backward
// (allocation included) is timed.
//
// Measured on the 2-core development machine (2 threads, AVX2 build): LayerNorm [2048, 768] forward
// 43 GB/s, backward 50 GB/s; softmax [1536, 128] forward 13.5 GB/s, backward 134 GB/s (in cache);
// GELU (erf) forward 10 GB/s, backward 11 GB/s. Softmax forward and GELU are compute-bound on the
// vectorised exp/erfc (about 3 cycles per element per core), not memory-bound.
#include <benchmark/benchmark.h>

#include "runtime/autograd.h"
#include "runtime/ops/activation.h"
#include "runtime/ops/layer_norm.h"
#include "runtime/ops/softmax.h"
#include "runtime/random.h"

namespace pare {
namespace {

void report_bytes(benchmark::State& state, std::int64_t tensors_moved, std::int64_t numel) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * tensors_moved * numel *
                          static_cast<std::int64_t>(sizeof(float)));
}

void run_backward(benchmark::State& state, const Tensor& y, const Tensor& g) {
  const Node& node = *y.grad_fn();
  NeedsGrad needs(node.inputs.size());
  for (std::size_t i = 0; i < needs.size(); ++i) needs[i] = node.inputs[i].defined() && node.inputs[i].requires_grad();
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(node.backward(g, needs));
}

// Args: rows, cols.
void BM_LayerNormForward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  Generator gen(1);
  const Tensor x = Tensor::randn({rows, cols}, gen), w = Tensor::randn({cols}, gen), b = Tensor::randn({cols}, gen);
  for (auto _ : state) benchmark::DoNotOptimize(layer_norm(x, w, b));
  report_bytes(state, 2, rows * cols);  // read x, write y
}

void BM_LayerNormBackward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  Generator gen(1);
  Tensor x = Tensor::randn({rows, cols}, gen), w = Tensor::randn({cols}, gen), b = Tensor::randn({cols}, gen);
  for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
  run_backward(state, layer_norm(x, w, b), Tensor::randn({rows, cols}, gen));
  report_bytes(state, 3, rows * cols);  // read dy and x, write dx
}

// A one-input op on x [rows, cols]: forward reads x and writes y; backward reads dy and one of x or
// y (softmax keeps y, GELU x) and writes dx.
template <typename Op>
void unary_forward(benchmark::State& state, Op op) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  Generator gen(1);
  const Tensor x = Tensor::randn({rows, cols}, gen);
  for (auto _ : state) benchmark::DoNotOptimize(op(x));
  report_bytes(state, 2, rows * cols);
}

template <typename Op>
void unary_backward(benchmark::State& state, Op op) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  Generator gen(1);
  Tensor x = Tensor::randn({rows, cols}, gen);
  x.requires_grad_();
  run_backward(state, op(x), Tensor::randn({rows, cols}, gen));
  report_bytes(state, 3, rows * cols);
}

// Lambdas, so each op is a type of its own and the call inlines.
constexpr auto softmax_of = [](const Tensor& x) { return softmax(x); };
constexpr auto gelu_of = [](const Tensor& x) { return gelu(x); };

void BM_SoftmaxForward(benchmark::State& state) { unary_forward(state, softmax_of); }
void BM_SoftmaxBackward(benchmark::State& state) { unary_backward(state, softmax_of); }
void BM_GeluForward(benchmark::State& state) { unary_forward(state, gelu_of); }
void BM_GeluBackward(benchmark::State& state) { unary_backward(state, gelu_of); }

void hidden(benchmark::internal::Benchmark* b) {
  b->ArgNames({"rows", "cols"})->Args({2048, 768})->UseRealTime()->Unit(benchmark::kMicrosecond);
}
void scores(benchmark::internal::Benchmark* b) {
  b->ArgNames({"rows", "cols"})
      ->Args({128 * 12, 128})
      ->Args({16 * 12 * 128, 128})
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}
void ffn(benchmark::internal::Benchmark* b) {
  b->ArgNames({"rows", "cols"})->Args({2048, 768})->Args({2048, 3072})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_LayerNormForward)->Apply(hidden);
BENCHMARK(BM_LayerNormBackward)->Apply(hidden);
BENCHMARK(BM_SoftmaxForward)->Apply(scores);
BENCHMARK(BM_SoftmaxBackward)->Apply(scores);
BENCHMARK(BM_GeluForward)->Apply(ffn);
BENCHMARK(BM_GeluBackward)->Apply(ffn);

}  // namespace
}  // namespace pare
