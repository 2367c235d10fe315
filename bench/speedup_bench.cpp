// Inference of a BERT-base-shaped encoder (batches 8 and 32, 128 tokens, eval mode, no autograd) before and
// after speedup() removes 50% of the heads (6 of 12 a layer) and 60% of the FFN units (1843 of 3072
// a layer), and with only one of the two removed. Heads and units are chosen per layer by seeded
// random masks. Counters: the FLOPs per token measure_model counts and their ratio to the dense
// model's, so the measured speed-up can be set against the FLOP reduction.
//
// Measured on the 2-core development machine (AMD EPYC, OpenBLAS 0.3.21 OpenMP build), medians of
// 3 repetitions of 2 s, OMP_WAIT_POLICY=PASSIVE. FLOPs per token 174.6M dense; measured speed-up /
// FLOP speed-up:
//   one thread:  dense 1851 ms, heads 1536 ms (1.205 / 1.213), FFN 1132 ms (1.635 / 1.637),
//                both 830 ms (2.230 / 2.298, 0.97)
//   two threads: dense 949 ms, heads 784 ms (1.210 / 1.213), FFN 598 ms (1.587 / 1.637),
//                both 431 ms (2.202 / 2.298, 0.96)
// The GEMMs at the odd widths ran as fast as the dense ones (OpenBLAS, 1024 rows: 384 and 1229
// outputs at 101-104 GFLOP/s on one thread, as 768 and 3072), except 384 outputs on two threads (165
// against 183-205). What shortfall there is comes from the work the FLOP count leaves out and the
// surgery does not shrink: embeddings, LayerNorms, residual adds on the full hidden width.
// On oneDNN (2 threads, same machine, OPENBLAS_CORETYPE=Haswell as found, 1 s minimum): dense 633 ms,
// heads 466 ms (1.36 / 1.21), FFN 353 ms (1.79 / 1.64), both 260 ms (2.43 / 2.30, 1.06): the pruned
// widths lose nothing, and removing heads also removes attention work the FLOP count weighs lightly.
// With the weights packed once (as pare's inference runs now; 3 s minimum, medians of 3): batch 8
// dense 523 ms, heads 462 (1.13 / 1.21), FFN 344 (1.52 / 1.64), both 245 (2.13 / 2.30, 0.93); batch 32
// dense 2135 ms, heads 1863 (1.15 / 1.21), FFN 1317 (1.62 / 1.64), both 947 (2.25 / 2.30, 0.98).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "models/bert_heads.h"  // make_bert_model
#include "models/bert_sizes.h"
#include "prune/model_size.h"
#include "prune/speedup.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/parameter_cache.h"

namespace pare {
namespace {

constexpr std::int64_t kSeq = 128;
constexpr std::int64_t kHeadsRemoved = 6;     // of 12
constexpr std::int64_t kUnitsRemoved = 1843;  // 60% of 3072

enum class Pruned { none, heads, ffn, both };

// `count` of the numbers 0 .. n - 1, drawn without replacement.
std::vector<std::int64_t> random_subset(std::int64_t n, std::int64_t count, std::mt19937_64& rng) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(static_cast<std::size_t>(count));
  return all;
}

// Masks the output-projection columns of the removed heads and output.dense columns of the removed
// units: enough for speedup to drop them from every matrix of the layer.
Masks random_masks(const BertTaskModel& model, Pruned pruned) {
  const BertConfig& config = model.config();
  const std::int64_t hidden = config.hidden_size, ffn = config.intermediate_size;
  const std::int64_t head_dim = hidden / config.num_attention_heads;
  std::mt19937_64 rng(42);
  Masks masks;
  auto zero_columns = [&](const std::string& name, std::int64_t cols, const std::vector<std::int64_t>& starts,
                          std::int64_t width) {
    std::vector<float> m(static_cast<std::size_t>(hidden * cols), 1.0f);
    for (std::int64_t r = 0; r < hidden; ++r) {
      for (std::int64_t s : starts) {
        for (std::int64_t c = s * width; c < (s + 1) * width; ++c) m[static_cast<std::size_t>(r * cols + c)] = 0.0f;
      }
    }
    masks.emplace(name, Tensor::from_vector(m, {hidden, cols}));
  };
  for (std::int64_t l = 0; l < config.num_hidden_layers; ++l) {
    const std::string layer = "encoder.layer." + std::to_string(l) + ".";
    if (pruned == Pruned::heads || pruned == Pruned::both) {
      zero_columns(layer + "attention.output.dense.weight", hidden,
                   random_subset(config.num_attention_heads, kHeadsRemoved, rng), head_dim);
    }
    if (pruned == Pruned::ffn || pruned == Pruned::both) {
      zero_columns(layer + "output.dense.weight", ffn, random_subset(ffn, kUnitsRemoved, rng), 1);
    }
  }
  return masks;
}

// Built once and shared by every case and repetition: building BERT-base and cutting it take
// seconds that must stay out of the timed loop.
const BertTaskModel& dense_model() {
  static const std::shared_ptr<BertTaskModel> model = [] {
    auto m = make_bert_model(named_bert_config("base"), BertTask::base, 1);
    m->eval();
    return m;
  }();
  return *model;
}

const BertTaskModel& case_model(Pruned pruned) {
  static std::map<Pruned, std::shared_ptr<BertTaskModel>> cache;
  if (pruned == Pruned::none) return dense_model();
  auto it = cache.find(pruned);
  if (it == cache.end()) {
    auto compact = speedup(dense_model(), random_masks(dense_model(), pruned));
    compact->eval();
    it = cache.emplace(pruned, compact).first;
  }
  return *it->second;
}

BertInputs random_inputs(std::int64_t vocab, std::int64_t batch) {
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(batch * kSeq));
  for (std::int64_t& id : ids) id = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(vocab));
  return {Tensor::from_vector(ids, {batch, kSeq}), Tensor(), Tensor()};
}

void BM_SpeedupInference(benchmark::State& state, Pruned pruned) {
  const BertTaskModel& model = case_model(pruned);
  const BertInputs inputs = random_inputs(model.config().vocab_size, state.range(0));
  const double dense_flops = measure_model(dense_model().config(), BertTask::base, kSeq).flops_per_token;
  const double flops = measure_model(model.config(), BertTask::base, kSeq).flops_per_token;
  NoGradGuard no_grad;
  // Weights packed once, as pare's inference runs them (runtime/parameter_cache.h).
  const ParameterCache packed(model.parameters());
  for (auto _ : state) {
    const BertOutputs out = model.forward(inputs);
    benchmark::DoNotOptimize(out.last_hidden_state.raw_data());
  }
  state.counters["MFLOP/token"] = flops * 1e-6;
  state.counters["FLOP_ratio"] = flops / dense_flops;
}

// The argument is the batch (sequences of kSeq tokens).
BENCHMARK_CAPTURE(BM_SpeedupInference, dense, Pruned::none)
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SpeedupInference, heads50, Pruned::heads)
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SpeedupInference, ffn60, Pruned::ffn)
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SpeedupInference, heads50_ffn60, Pruned::both)
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace pare
