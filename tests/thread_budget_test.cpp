// Each CPU kernel runs on the threads its work deserves (kernels/cpu/thread_budget.h): small
// products on the calling thread alone, larger ones on more. Whatever count a kernel picks, its
// results must be the same bits, and the caller's thread count must be what it was; checked for
// packed products on both sides of the threshold and for a whole pruned model with uneven layers.
#include <gtest/gtest.h>
#include <omp.h>

#include <vector>

#include "models/bert_heads.h"  // make_bert_model
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/ops/matmul.h"
#include "runtime/parameter_cache.h"
#include "runtime/precision.h"
#include "runtime/random.h"

namespace pare {
namespace {

// `compute` at 1, 2 and 3 OpenMP threads; each run must leave the count as it set it.
template <typename Compute>
std::vector<std::vector<float>> at_each_thread_count(const Compute& compute) {
  const int saved = omp_get_max_threads();
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    results.push_back(compute());
    EXPECT_EQ(omp_get_max_threads(), threads) << "a kernel changed the caller's thread count";
  }
  omp_set_num_threads(saved);
  return results;
}

// Rows x [n, k] products from 0.2M to 134M multiply-adds: one thread below 4M, more above.
TEST(ThreadBudget, PackedProductsGiveTheSameBitsWhateverThreadsTheyGet) {
  struct Shape {
    std::int64_t n, k;
  };
  Generator gen(21);
  for (Precision precision : {Precision::f32, Precision::bf16}) {
    for (const Shape s : {Shape{192, 192}, Shape{384, 256}, Shape{1024, 256}, Shape{256, 1024}}) {
      const Tensor w = Tensor::randn({s.n, s.k}, gen), b = Tensor::randn({s.n}, gen);
      for (std::int64_t rows : {1, 8, 64, 512}) {
        const Tensor x = Tensor::randn({rows, s.k}, gen);
        const auto results = at_each_thread_count([&] {
          const NoGradGuard no_grad;
          const ParameterCache packed({w, b});
          const MatmulPrecisionScope scope(precision);
          return linear(x, w, b).to_vector<float>();
        });
        const std::string where = precision_name(precision) + " [" + std::to_string(rows) + ", " + std::to_string(s.k) +
                                  "] x [" + std::to_string(s.k) + ", " + std::to_string(s.n) + "]";
        EXPECT_EQ(results[1], results[0]) << where << ", 2 threads against 1";
        EXPECT_EQ(results[2], results[0]) << where << ", 3 threads against 1";
      }
    }
  }
}

// A pruned model as speed-up surgery leaves it: hidden 192, two heads in one layer and one in the
// other, FFN widths 256 and 128. At batch 1 its products are below the threshold and the pairs of
// attention are not shared; at batch 8 both are.
TEST(ThreadBudget, PrunedModelGivesTheSameOutputsAtOneTwoAndThreeThreads) {
  BertConfig c;
  c.vocab_size = 100;
  c.hidden_size = 192;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 3;
  c.intermediate_size = 256;
  c.max_position_embeddings = 64;
  c.reset_layer_shapes();
  c.layer_shapes = {{2, 64, 256}, {1, 64, 128}};
  auto model = make_bert_model(c, BertTask::base, 3);
  model->eval();
  Generator gen(5);
  for (std::int64_t batch : {1, 8}) {
    const std::int64_t seq = 64;
    std::vector<std::int64_t> ids, mask;
    for (std::int64_t i = 0; i < batch * seq; ++i) {
      ids.push_back(1 + (i * 37) % 99);
      mask.push_back(i % seq < seq - 3 * (i / seq) ? 1 : 0);  // sequence b ends with 3b padding positions
    }
    const BertInputs inputs{Tensor::from_vector(ids, {batch, seq}), Tensor::from_vector(mask, {batch, seq}),
                            Tensor::zeros({batch, seq}, DType::i64)};
    const auto results = at_each_thread_count([&] {
      const NoGradGuard no_grad;
      const ParameterCache packed(model->parameters());
      return model->forward(inputs).last_hidden_state.to_vector<float>();
    });
    EXPECT_EQ(results[1], results[0]) << "batch " << batch << ", 2 threads against 1";
    EXPECT_EQ(results[2], results[0]) << "batch " << batch << ", 3 threads against 1";
  }
}

}  // namespace
}  // namespace pare
