// scaled_dot_product_attention at BERT-base shapes (H = 12, T = 128, d = 64), forward alone and
// forward + backward, in GFLOP/s of the two (forward) or six (both) T x T x d products, 2 flops each.
//
// Measured on the 2-core Zen 5 machines (OpenBLAS 0.3.21 OpenMP build, Cooperlake kernel, quiet
// machine, 2 threads): forward 111 (B = 8) and 112 (B = 32) GFLOP/s, forward + backward 120 and
// 118. One thread: forward 58, forward + backward 63. perf (forward, one thread): OpenBLAS's GEMM
// micro-kernel 50% of the time, its packing and zeroing 26%, the softmax 17%. Max reductions
// written with std::max stayed scalar and made the forward about 10% slower.
#include <benchmark/benchmark.h>

#include "runtime/autograd.h"
#include "runtime/ops/attention.h"
#include "runtime/ops/masking.h"  // additive_attention_mask

namespace pare {
namespace {

constexpr std::int64_t kHeads = 12, kSeq = 128, kHeadDim = 64;

struct Inputs {
  Tensor q, k, v, mask;
};

// A padded batch: sequence i keeps its first kSeq - 8 * (i % 4) tokens, as dynamic padding leaves it.
Inputs make_inputs(std::int64_t batch) {
  Generator gen(1);
  Inputs in{Tensor::randn({batch, kHeads, kSeq, kHeadDim}, gen), Tensor::randn({batch, kHeads, kSeq, kHeadDim}, gen),
            Tensor::randn({batch, kHeads, kSeq, kHeadDim}, gen), Tensor()};
  std::vector<std::int64_t> tokens(static_cast<std::size_t>(batch * kSeq));
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t t = 0; t < kSeq; ++t) tokens[static_cast<std::size_t>(b * kSeq + t)] = t < kSeq - 8 * (b % 4);
  }
  in.mask = additive_attention_mask(Tensor::from_vector(tokens, {batch, kSeq}));
  return in;
}

void set_gflops(benchmark::State& state, std::int64_t batch, double products) {
  const double flops = products * 2.0 * static_cast<double>(batch * kHeads * kSeq * kSeq * kHeadDim);
  state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_AttentionForward(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  const Inputs in = make_inputs(batch);
  NoGradGuard no_grad;
  for (auto _ : state) {
    const Tensor out = scaled_dot_product_attention(in.q, in.k, in.v, in.mask);
    benchmark::DoNotOptimize(out.raw_data());
  }
  set_gflops(state, batch, 2.0);
}

void BM_AttentionForwardBackward(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  Inputs in = make_inputs(batch);
  for (Tensor* t : {&in.q, &in.k, &in.v}) t->requires_grad_();
  Generator gen(2);
  const Tensor grad_out = Tensor::randn({batch, kHeads, kSeq, kHeadDim}, gen);
  for (auto _ : state) {
    for (const Tensor& t : {in.q, in.k, in.v}) t.zero_grad();
    scaled_dot_product_attention(in.q, in.k, in.v, in.mask).backward(grad_out);
    benchmark::DoNotOptimize(in.q.grad().raw_data());
  }
  set_gflops(state, batch, 6.0);
}

BENCHMARK(BM_AttentionForward)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AttentionForwardBackward)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace pare
