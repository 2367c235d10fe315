// The gradient all-reduce of data-parallel training against the machine's memory bandwidth: run it
// under mpirun (`mpirun -np 2 ... build/bench/pare_all_reduce_bench`), every rank runs the same
// benchmarks for a fixed number of iterations (a collective needs every rank) and rank 0 reports.
// The baseline, in the same process: copying the same bytes once (memcpy), the least any
// reduction must move. Gradients are shaped like the parameters of the named BERT sizes.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "models/bert.h"        // BertModel
#include "models/bert_sizes.h"  // named_bert_config
#include "runtime/distributed/gradient_all_reduce.h"
#include "runtime/distributed/world.h"

namespace pare {
namespace {

constexpr int kIterations = 10;

std::vector<Tensor> gradients_of(const std::string& size) {
  const BertModel model(named_bert_config(size), 1);
  std::vector<Tensor> params;
  for (const auto& [name, p] : model.named_parameters()) {
    Tensor leaf = Tensor::zeros(p.shape()).requires_grad_();
    leaf.set_grad(Tensor::full(p.shape(), 1e-3));
    params.push_back(leaf);
  }
  return params;
}

void BM_GradientAllReduce(benchmark::State& state, const std::string& size) {
  const std::vector<Tensor> params = gradients_of(size);
  GradientAllReduce sum(params, world());
  world().barrier();
  for (auto _ : state) sum.reduce();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sum.last_bytes()));
  state.counters["ranks"] = world().size();
  state.counters["MiB"] = static_cast<double>(sum.last_bytes()) / (1 << 20);
}

void BM_MemcpyOfTheSameBytes(benchmark::State& state, const std::string& size) {
  std::size_t bytes = 0;
  for (const Tensor& p : gradients_of(size)) bytes += p.nbytes();
  std::vector<char> from(bytes, 1), to(bytes);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), bytes);
    benchmark::DoNotOptimize(to.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

BENCHMARK_CAPTURE(BM_MemcpyOfTheSameBytes, mini, std::string("mini"))->Iterations(kIterations)->UseRealTime();
BENCHMARK_CAPTURE(BM_GradientAllReduce, mini, std::string("mini"))->Iterations(kIterations)->UseRealTime();
BENCHMARK_CAPTURE(BM_MemcpyOfTheSameBytes, base, std::string("base"))->Iterations(kIterations)->UseRealTime();
BENCHMARK_CAPTURE(BM_GradientAllReduce, base, std::string("base"))->Iterations(kIterations)->UseRealTime();

// Drops every report: the ranks other than 0 run the benchmarks for their part of the collectives.
class SilentReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace
}  // namespace pare

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  pare::connect_world_from_environment();
  if (pare::world().rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    pare::SilentReporter silent;
    benchmark::RunSpecifiedBenchmarks(&silent);
  }
  benchmark::Shutdown();
  pare::set_world(nullptr);
  return 0;
}
