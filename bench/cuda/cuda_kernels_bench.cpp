// The CUDA backend's kernels on the first GPU, at BERT-base shapes (batch 32, seq 128): linear in f32
// and bf16 against a plain cuBLAS GEMM of the same shape, attention forward + backward unfused and
// fused, LayerNorm and softmax in GB/s against the card's bandwidth (H200: about 4.8 TB/s), and the
// reductions of a training step (LayerNorm's backward, sums over rows, the gradient norm, the MSE
// loss, the embedding gradient) in GB/s. Each
// iteration queues 10 calls and waits for the device, so launch gaps count but one wait does not
// dominate. Prints a note and exits where no GPU is present. scripts/gpu-check.sh runs it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "kernels/attention.h"  // set_cuda_attention
#include "kernels/gemm.h"
#include "runtime/autograd.h"
#include "runtime/dispatch.h"
#include "runtime/ops.h"
#include "runtime/precision.h"
#include "runtime/random.h"
#include "runtime/transfer.h"  // synchronize

namespace pare {
namespace {

constexpr int kCallsPerIteration = 10;
const Device kDevice = Device::cuda(0);

Tensor random_on_device(const Shape& shape, std::uint64_t seed) {
  Generator gen(seed);
  return Tensor::randn(shape, gen, 0.0f, 1.0f, kDevice);
}

void rate(benchmark::State& state, const char* name, double per_call) {
  state.counters[name] =
      benchmark::Counter(per_call * kCallsPerIteration, benchmark::Counter::kIsIterationInvariantRate);
}

// Args: rows, in, out; precision f32 (0) or bf16 (1).
void BM_Linear(benchmark::State& state) {
  const std::int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  const Precision precision = state.range(3) == 0 ? Precision::f32 : Precision::bf16;
  const Tensor x = random_on_device({rows, in}, 1), w = random_on_device({out, in}, 2), b = random_on_device({out}, 3);
  const MatmulPrecisionScope scope(precision);
  const NoGradGuard no_grad;
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) benchmark::DoNotOptimize(linear(x, w, b));
    synchronize(kDevice);
  }
  rate(state, "TFLOP/s", 2e-12 * static_cast<double>(rows * in * out));
}

// The same product as BM_Linear f32 straight through cuBLAS, no op around it: the baseline.
void BM_PlainCublasGemm(benchmark::State& state) {
  const std::int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  const Tensor x = random_on_device({rows, in}, 1), w = random_on_device({out, in}, 2);
  Tensor y = Tensor::empty({rows, out}, DType::f32, kDevice);
  const kernels::GemmOperand a{x.device_data<float>(), in, false}, bt{w.device_data<float>(), in, true};
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) {
      PARE_LAUNCH(kDevice, gemm, rows, out, in, 1.0f, a, bt, 0.0f, y.device_data<float>(), out);
    }
    synchronize(kDevice);
  }
  rate(state, "TFLOP/s", 2e-12 * static_cast<double>(rows * in * out));
}

// Attention forward and backward, [B, H, T, d] with a padding mask and dropout 0.1; fused (1) or not.
void BM_Attention(benchmark::State& state) {
  const std::int64_t B = 32, H = 12, T = 128, d = 64;
  kernels::cuda::set_cuda_attention(state.range(0) == 1 ? kernels::cuda::CudaAttention::fused
                                                        : kernels::cuda::CudaAttention::unfused);
  Tensor q = random_on_device({B, H, T, d}, 1), k = random_on_device({B, H, T, d}, 2),
         v = random_on_device({B, H, T, d}, 3);
  for (Tensor* t : {&q, &k, &v}) t->requires_grad_();
  const Tensor mask = additive_attention_mask(Tensor::ones({B, T}, DType::i64).to(kDevice));
  const Tensor g = random_on_device({B, H, T, d}, 4);
  Generator gen(5);
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) {
      const Tensor out = scaled_dot_product_attention(q, k, v, mask, 0.1, &gen);
      sum(mul(out, g)).backward();
    }
    synchronize(kDevice);
  }
  kernels::cuda::set_cuda_attention(kernels::cuda::CudaAttention::unfused);
  // q k^T and P v forward, three products backward (dV, dP, and dQ + dK counted as two).
  rate(state, "TFLOP/s", 2e-12 * static_cast<double>(B * H * T * T * d) * 6);
}

// Args: rows, cols.
void BM_LayerNormForward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  const Tensor x = random_on_device({rows, cols}, 1), w = random_on_device({cols}, 2), b = random_on_device({cols}, 3);
  const NoGradGuard no_grad;
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) benchmark::DoNotOptimize(layer_norm(x, w, b));
    synchronize(kDevice);
  }
  rate(state, "GB/s", 1e-9 * 2.0 * static_cast<double>(rows * cols) * 4);  // read x, write y
}

void BM_SoftmaxForward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  const Tensor x = random_on_device({rows, cols}, 1);
  const NoGradGuard no_grad;
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) benchmark::DoNotOptimize(softmax(x));
    synchronize(kDevice);
  }
  rate(state, "GB/s", 1e-9 * 2.0 * static_cast<double>(rows * cols) * 4);
}

// The reductions of a training step, at BERT-base batch 32, seq 512 (16384 token rows), in GB/s of
// the bytes each must move: LayerNorm's backward (input and parameter gradients), the bias gradient
// (sum over rows), the global gradient norm's sum of squares (the word embeddings, 23M), the
// hidden-state MSE of distillation and the embedding gradient (scatter-add of token rows).
constexpr std::int64_t kTokenRows = 16384, kHidden = 768, kVocab = 30522;

void BM_LayerNormBackward(benchmark::State& state) {
  const std::int64_t rows = kTokenRows, cols = kHidden;
  const Tensor dy = random_on_device({rows, cols}, 1), x = random_on_device({rows, cols}, 2);
  const Tensor w = random_on_device({cols}, 3), mean = random_on_device({rows}, 4);
  const Tensor rstd = Tensor::ones({rows}, DType::f32, kDevice);
  Tensor dx = Tensor::empty({rows, cols}, DType::f32, kDevice), dw = Tensor::empty({cols}, DType::f32, kDevice),
         db = Tensor::empty({cols}, DType::f32, kDevice);
  Tensor workspace =
      Tensor::empty({PARE_LAUNCH(kDevice, layer_norm_backward_workspace, rows, cols)}, DType::f32, kDevice);
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) {
      PARE_LAUNCH(kDevice, layer_norm_backward, dy.device_data<float>(), x.device_data<float>(), nullptr,
                  mean.device_data<float>(), rstd.device_data<float>(), w.device_data<float>(), dx.device_data<float>(),
                  dw.device_data<float>(), db.device_data<float>(), workspace.device_data<float>(), rows, cols, cols);
    }
    synchronize(kDevice);
  }
  rate(state, "GB/s", 1e-9 * 4.0 * static_cast<double>(rows * cols) * 4);  // dy and x twice (dx, then dw/db), dx
}

void BM_SumOverRows(benchmark::State& state) {
  const Tensor x = random_on_device({kTokenRows, kHidden}, 1);
  Tensor out = Tensor::empty({kHidden}, DType::f32, kDevice);
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) {
      PARE_LAUNCH(kDevice, sum_axis, x.device_data<float>(), out.device_data<float>(), 1, kTokenRows, kHidden);
    }
    synchronize(kDevice);
  }
  rate(state, "GB/s", 1e-9 * static_cast<double>(kTokenRows * kHidden) * 4);
}

void BM_SumOfSquares(benchmark::State& state) {
  const Tensor x = random_on_device({kVocab, kHidden}, 1);
  Tensor accumulator = Tensor::zeros({1}, DType::i64, kDevice);  // 8 bytes for the double
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) {
      PARE_LAUNCH(kDevice, sum_of_squares, x.device_data<float>(), x.numel(),
                  static_cast<double*>(accumulator.device_raw_data()));
    }
    synchronize(kDevice);
  }
  rate(state, "GB/s", 1e-9 * static_cast<double>(kVocab * kHidden) * 4);
}

void BM_MeanSquaredError(benchmark::State& state) {
  const Tensor a = random_on_device({kTokenRows, kHidden}, 1), b = random_on_device({kTokenRows, kHidden}, 2);
  Tensor out = Tensor::empty({1}, DType::f32, kDevice);
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) {
      PARE_LAUNCH(kDevice, mean_squared_error, a.device_data<float>(), b.device_data<float>(), a.numel(),
                  out.device_data<float>());
    }
    synchronize(kDevice);
  }
  rate(state, "GB/s", 1e-9 * 2.0 * static_cast<double>(kTokenRows * kHidden) * 4);
}

void BM_EmbeddingGradient(benchmark::State& state) {
  const Tensor grad_out = random_on_device({kTokenRows, kHidden}, 1);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(kTokenRows));
  for (std::size_t j = 0; j < ids.size(); ++j) ids[j] = static_cast<std::int64_t>((j * 7919) % kVocab);
  const Tensor idx = Tensor::from_vector(ids, {kTokenRows}).to(kDevice);
  Tensor grad = Tensor::zeros({kVocab, kHidden}, DType::f32, kDevice);
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) {
      PARE_LAUNCH(kDevice, scatter_add_rows, grad_out.device_data<float>(), 1, kTokenRows, kHidden,
                  idx.device_data<std::int64_t>(), kVocab, -1, grad.device_data<float>());
    }
    synchronize(kDevice);
  }
  rate(state, "GB/s", 1e-9 * 3.0 * static_cast<double>(kTokenRows * kHidden) * 4);  // read rows, read-add-write
}

void register_benchmarks() {
  // BERT-base at batch 32, seq 128: 4096 token rows; Q/K/V/output projections, FFN up and down.
  for (const auto& [in, out] : {std::pair<std::int64_t, std::int64_t>{768, 768}, {768, 3072}, {3072, 768}}) {
    for (std::int64_t precision : {0, 1}) {
      benchmark::RegisterBenchmark("BM_Linear", BM_Linear)->Args({4096, in, out, precision})->UseRealTime();
    }
    benchmark::RegisterBenchmark("BM_PlainCublasGemm", BM_PlainCublasGemm)->Args({4096, in, out, 0})->UseRealTime();
  }
  // Pruned widths: 7 heads of 64 (448, aligned) and 1531 FFN units (odd: bf16 rows of 3062 bytes, off
  // the 16-byte alignment tensor cores want), against their aligned neighbours 1536.
  for (const auto& [in, out] :
       {std::pair<std::int64_t, std::int64_t>{768, 448}, {768, 1531}, {768, 1536}, {1531, 768}, {1536, 768}}) {
    for (std::int64_t precision : {0, 1}) {
      benchmark::RegisterBenchmark("BM_Linear", BM_Linear)->Args({4096, in, out, precision})->UseRealTime();
    }
  }
  benchmark::RegisterBenchmark("BM_Attention", BM_Attention)->Arg(0)->Arg(1)->UseRealTime();
  benchmark::RegisterBenchmark("BM_LayerNormForward", BM_LayerNormForward)->Args({4096, 768})->UseRealTime();
  benchmark::RegisterBenchmark("BM_SoftmaxForward", BM_SoftmaxForward)->Args({32 * 12 * 128, 128})->UseRealTime();
  benchmark::RegisterBenchmark("BM_LayerNormBackward", BM_LayerNormBackward)->UseRealTime();
  benchmark::RegisterBenchmark("BM_SumOverRows", BM_SumOverRows)->UseRealTime();
  benchmark::RegisterBenchmark("BM_SumOfSquares", BM_SumOfSquares)->UseRealTime();
  benchmark::RegisterBenchmark("BM_MeanSquaredError", BM_MeanSquaredError)->UseRealTime();
  benchmark::RegisterBenchmark("BM_EmbeddingGradient", BM_EmbeddingGradient)->UseRealTime();
}

}  // namespace
}  // namespace pare

int main(int argc, char** argv) {
  if (pare::cuda_device_count() == 0) {
    std::puts("pare_cuda_kernels_bench: no CUDA device on this machine, nothing to measure");
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  pare::register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
