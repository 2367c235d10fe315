// Data-parallel training under mpirun: every test runs on every rank of the job (ctest starts this
// program with `mpirun -np 2` and `-np 3`). The reference for a data-parallel result is the same work
// run by each rank as a single process (exchange_world): the ranks together must give what one
// process gives with the whole batch.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "distill/distillation_hook.h"
#include "kernels/collectives.h"
#include "prune/pruner.h"
#include "prune/pruning_config.h"
#include "prune/pruning_resolve.h"
#include "runtime/distributed/gradient_all_reduce.h"
#include "runtime/distributed/world.h"
#include "tests/tiny_training.h"
#include "train/evaluate.h"
#include "train/trainer.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

int rank() { return world().rank(); }
int ranks() { return world().size(); }

// A directory every rank sees (made by rank 0, its name broadcast), removed when the test ends.
class SharedDir {
 public:
  SharedDir() {
    std::string path;
    if (rank() == 0) {
      std::string pattern = (fs::temp_directory_path() / "pare_data_parallel_XXXXXX").string();
      PARE_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot create ", pattern);
      path = pattern;
    }
    path_ = broadcast(world(), path);
  }
  ~SharedDir() {
    world().barrier();
    std::error_code ignored;
    if (rank() == 0) fs::remove_all(path_, ignored);
  }
  SharedDir(const SharedDir&) = delete;
  SharedDir& operator=(const SharedDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs `work` as a single process on this rank, then gives the job its world back.
template <typename Work>
auto as_single_process(Work work) {
  std::unique_ptr<Communicator> job = exchange_world(nullptr);
  struct Restore {
    std::unique_ptr<Communicator>& job;
    ~Restore() { exchange_world(std::move(job)); }
  } restore{job};
  return work();
}

TEST(Communicator, SumsMaximaAndBroadcastsOnTheHostAndTheGuardedDevice) {
  ASSERT_GE(ranks(), 2) << "run under mpirun -np 2 or more";
  const double n = ranks();
  for (const Device device : {Device::cpu(), Device::guarded()}) {
    const Tensor f = Tensor::full({5}, rank() + 1.0, DType::f32).to(device);
    all_reduce(world(), f);
    for (float v : f.to_vector<float>()) EXPECT_EQ(v, n * (n + 1) / 2) << device.str();
    const Tensor big = Tensor::full({3}, rank() == 1 ? 7.0 : -2.0, DType::i64).to(device);
    all_reduce(world(), big, ReduceOp::max);
    for (std::int64_t v : big.to_vector<std::int64_t>()) EXPECT_EQ(v, 7) << device.str();
    const Tensor from_one = Tensor::full({4}, rank() == 1 ? 3.5 : 0.0, DType::f32).to(device);
    broadcast(world(), from_one, 1);
    for (float v : from_one.to_vector<float>()) EXPECT_EQ(v, 3.5f) << device.str();
  }
  std::vector<double> values{static_cast<double>(rank()), 0.25};
  all_reduce(world(), values);
  EXPECT_EQ(values[0], n * (n - 1) / 2);
  EXPECT_EQ(values[1], 0.25 * n);
  EXPECT_EQ(broadcast(world(), rank() == 1 ? std::string("from rank 1") : std::string(), 1), "from rank 1");
  EXPECT_EQ(broadcast(world(), std::string(rank() == 0 ? "" : "ignored")), "");
}

TEST(Communicator, CudaMemoryGoesThroughNccl) {
  if (cuda_device_count() < ranks()) {
    GTEST_SKIP() << "NCCL needs one CUDA device per rank: " << cuda_device_count() << " for " << ranks() << " ranks";
  }
  const Device device = Device::cuda(rank());
  const Tensor f = Tensor::full({1000}, rank() + 1.0, DType::f32).to(device);
  all_reduce(world(), f);
  const double n = ranks();
  for (float v : f.to_vector<float>()) EXPECT_EQ(v, n * (n + 1) / 2);
  const Tensor b = Tensor::full({3}, rank() == 0 ? 9.0 : 1.0, DType::i64).to(device);
  broadcast(world(), b, 0);
  for (std::int64_t v : b.to_vector<std::int64_t>()) EXPECT_EQ(v, 9);
  EXPECT_EQ(world().backend(), "MPI + NCCL");
}

// Gradient i of rank r is (i + 1) * (r + 1) in every element; sums are (i + 1) * n(n + 1) / 2.
TEST(GradientAllReduce, SumsPackedAndLargeGradientsAndFillsOnlyGradientsSomeRankHas) {
  std::vector<Tensor> params;
  for (const Shape& shape : std::vector<Shape>{{3}, {70000}, {2, 5}, {4}, {4}, {40000}}) {
    params.push_back(Tensor::zeros(shape).requires_grad_());
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const bool missing_here = (i == 3 && rank() == 0) || i == 4;  // 3: only some ranks have one; 4: none
    if (!missing_here) params[i].set_grad(Tensor::full(params[i].shape(), (i + 1.0) * (rank() + 1.0)));
  }
  // Packed below 64 KiB in buckets of at most 96 KiB: [3] and [2, 5] and [4] share one; the two
  // large ones go alone, in pieces of 100 KiB (3 and 2 of them).
  GradientAllReduce sum(params, world(), {64 << 10, 96 << 10, 100 << 10});
  sum.reduce();
  const double n = ranks();
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i == 4) {
      EXPECT_FALSE(params[i].grad().defined());
      continue;
    }
    const double expected = (i + 1.0) * (i == 3 ? n * (n + 1) / 2 - 1 : n * (n + 1) / 2);
    for (float v : params[i].grad().to_vector<float>()) ASSERT_EQ(v, expected) << "parameter " << i;
  }
  EXPECT_EQ(sum.last_bytes(), (3 + 70000 + 10 + 4 + 40000) * sizeof(float));
}

TEST(DataParallelEvaluation, EveryRankGetsTheMetricsOfOneProcess) {
  auto model = make_bert_model(testing::tiny_bert_config(), BertTask::sequence_classification, 3);
  const TaskInfo task = testing::tiny_classification_task();
  const std::vector<TokenizedExample> dev = testing::tiny_examples(37, 5);
  EvalOptions options;
  options.batch_size = 4;  // 10 batches over the ranks
  const std::vector<MetricValue> sharded = evaluate_task(*model, task, dev, options);
  const std::vector<MetricValue> single = as_single_process([&] { return evaluate_task(*model, task, dev, options); });
  ASSERT_EQ(sharded.size(), single.size());
  for (std::size_t i = 0; i < single.size(); ++i) {
    EXPECT_EQ(sharded[i].name, single[i].name);
    EXPECT_NEAR(sharded[i].value, single[i].value, 1e-6) << single[i].name;
  }
}

struct TrainedState {
  StateDict weights;
  StateDict hook_state;
  TrainResult result;
};

// Attention key biases are left out of the comparison: their gradient is zero in exact arithmetic
// (softmax does not change when every score of a row moves by the same amount), so what they get is
// rounding noise, which AdamW scales up to full-size steps of either sign; nothing else reads them.
void expect_same_training(const TrainedState& parallel, const TrainedState& single, double tolerance) {
  ASSERT_EQ(parallel.weights.size(), single.weights.size());
  for (const auto& [name, expected] : single.weights) {
    if (name.find("attention.self.key.bias") != std::string::npos) continue;
    const std::vector<float> a = parallel.weights.at(name).to_vector<float>();
    const std::vector<float> b = expected.to_vector<float>();
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double{a[i]} - double{b[i]}));
    EXPECT_LE(worst, tolerance) << name;
  }
  for (const auto& [name, expected] : single.hook_state) {
    const std::vector<float> a = parallel.hook_state.at(name).to(DType::f32).to_vector<float>();
    const std::vector<float> b = expected.to(DType::f32).to_vector<float>();
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double{a[i]} - double{b[i]}));
    // Masks are exact; scores within a tolerance that their learning rate scales.
    EXPECT_LE(worst, name.rfind("mask.", 0) == 0 ? 0.0 : 20 * tolerance) << name;
  }
  EXPECT_EQ(parallel.result.steps, single.result.steps);
  EXPECT_NEAR(parallel.result.last_loss, single.result.last_loss, 1e-5);
  ASSERT_EQ(parallel.result.evaluations.size(), single.result.evaluations.size());
  for (std::size_t e = 0; e < single.result.evaluations.size(); ++e) {
    for (std::size_t m = 0; m < single.result.evaluations[e].metrics.size(); ++m) {
      EXPECT_NEAR(parallel.result.evaluations[e].metrics[m].value, single.result.evaluations[e].metrics[m].value, 1e-5);
    }
  }
}

// 30 examples in steps of 8 as 2 micro-batches of 4: with 3 ranks the rows go 2, 1, 1, and the last
// micro-batch of each epoch (30 % 4 = 2 rows) leaves the third rank a stand-in row.
TrainedState train_tiny(const fs::path& out, bool prune_and_distill) {
  const BertConfig config = testing::tiny_bert_config();
  auto model = make_bert_model(config, BertTask::sequence_classification, 11);
  TrainerOptions o = testing::tiny_trainer_options(out, 12);
  o.batch_size = 8;
  o.gradient_accumulation = 2;
  o.eval_every = 5;
  o.replica_check_every = 3;
  if (prune_and_distill) o.task_loss_weight = 0.1;
  Trainer trainer(model, o);
  trainer.set_train_data(testing::tiny_examples(30, 1), TaskKind::classification, 0);
  const TaskInfo task = testing::tiny_classification_task();
  trainer.set_evaluator(
      [task, dev = testing::tiny_examples(13, 2)](const BertTaskModel& m) { return evaluate_task(m, task, dev, {}); });
  std::shared_ptr<Pruner> pruner;
  if (prune_and_distill) {
    const nlohmann::json heads = nlohmann::json::parse(R"([{
      "op_names": ["bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.self\\.(query|key|value)\\.weight",
                   "bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.output\\.dense\\.weight"],
      "scorer": "movement", "sparse_threshold": 0.1, "granularity": "head", "warmup_steps": 4,
      "regular_scale": 10}])");
    PrunerOptions pruner_options;
    pruner_options.score_lr = 0.1;
    pruner_options.task_loss_weight = o.task_loss_weight;
    pruner = std::make_shared<Pruner>(resolve(PruningConfig::from_json(heads), *model), pruner_options);
    trainer.add_hook(pruner);
    DistillationOptions distill;
    distill.layer_map.kind = LayerMapKind::nni;
    distill.seed = 3;
    distill.learned_projection = true;
    auto teacher = make_bert_model(config, BertTask::sequence_classification, 12);
    trainer.add_hook(make_distillation_hook(teacher, config, distill));
  }
  TrainedState state;
  state.result = trainer.train();
  state.weights = model->state_dict();
  if (pruner) state.hook_state = pruner->state_tensors();
  return state;
}

TEST(DataParallelTraining, FineTuningMatchesOneProcessWithTheWholeBatch) {
  SharedDir dir;
  const TrainedState parallel = train_tiny(dir.path() / "parallel", false);
  const fs::path own = dir.path() / ("single" + std::to_string(rank()));
  const TrainedState single = as_single_process([&] { return train_tiny(own, false); });
  expect_same_training(parallel, single, 2e-5);
  // Rank 0 alone wrote the run's output.
  EXPECT_TRUE(fs::exists(dir.path() / "parallel" / "checkpoint" / "trainer_state.safetensors"));
  EXPECT_TRUE(fs::exists(dir.path() / "parallel" / "best" / "model.safetensors"));
}

TEST(DataParallelTraining, MovementPruningWithDistillationMatchesOneProcess) {
  SharedDir dir;
  const TrainedState parallel = train_tiny(dir.path() / "parallel", true);
  const fs::path own = dir.path() / ("single" + std::to_string(rank()));
  const TrainedState single = as_single_process([&] { return train_tiny(own, true); });
  expect_same_training(parallel, single, 2e-5);
}

// Moves a weight on the last rank only after step 2, as a rank with another model or data would.
class DivergeOnLastRank : public TrainingHook {
 public:
  std::string name() const override { return "diverge"; }
  void on_train_begin(BertTaskModel& model, const TrainingPlan&) override { model_ = &model; }
  void after_step(const StepInfo& info) override {
    if (info.step != 2 || rank() != ranks() - 1) return;
    const Tensor w = model_->named_parameters().front().second;
    w.detach().copy_(Tensor::full(w.shape(), 0.5f));
  }

 private:
  BertTaskModel* model_ = nullptr;
};

TEST(DataParallelTraining, RanksThatDivergeStopEveryRankWithAnError) {
  SharedDir dir;
  auto model = make_bert_model(testing::tiny_bert_config(), BertTask::sequence_classification, 11);
  TrainerOptions o = testing::tiny_trainer_options(dir.path() / "out", 8);
  o.replica_check_every = 4;
  Trainer trainer(model, o);
  trainer.set_train_data(testing::tiny_examples(30, 1), TaskKind::classification, 0);
  trainer.add_hook(std::make_shared<DivergeOnLastRank>());
  try {
    trainer.train();
    ADD_FAILURE() << "diverged ranks trained on";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("after step 4"), std::string::npos) << message;
    EXPECT_NE(message.find("1 of " + std::to_string(ranks()) + " ranks differ from rank 0's"), std::string::npos)
        << message;
  }
}

}  // namespace
}  // namespace pare

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  pare::connect_world_from_environment();
  const int status = RUN_ALL_TESTS();
  pare::set_world(nullptr);
  return status;
}
