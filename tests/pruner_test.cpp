// The Pruner hook on a tiny BERT in the real training loop: movement scores against a hand-run
// Adam over -W * dL/dW, soft mode's regularisation, exact hard ratios along AGP, Taylor and magnitude
// rankings against hand computations, masked training invariants and exact resume.
#include "prune/pruner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "models/bert_heads.h"  // make_bert_model
#include "models/checkpoint.h"  // save_pretrained, load_pretrained
#include "prune/importance.h"   // reduce_to_mask, kept_count
#include "prune/speedup.h"      // speedup
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/error.h"
#include "runtime/ops.h"           // mul, scale
#include "tests/bert_test_util.h"  // close_relative, bitwise_equal
#include "tests/test_support.h"    // ScratchDir
#include "tests/tiny_training.h"

namespace pare {
namespace {

using testing::ScratchDir;
using testing::tiny_bert_config;
using testing::tiny_examples;
using testing::tiny_trainer_options;

// Copies of chosen parameters and their gradients after each backward, and the pruner's masks after
// each step (hooks run in the order added, so it sees what the pruner just did).
class Recorder : public TrainingHook {
 public:
  Recorder(std::vector<std::string> names, const Pruner* pruner, Trainer* trainer, std::int64_t stop_at)
      : names_(std::move(names)), pruner_(pruner), trainer_(trainer), stop_at_(stop_at) {}
  std::string name() const override { return "recorder"; }
  void on_train_begin(BertTaskModel& model, const TrainingPlan&) override {
    for (auto& [name, t] : model.named_parameters()) params_.emplace(name, t);
  }
  void after_backward(std::int64_t, BertTaskModel&) override {
    std::map<std::string, std::pair<Tensor, Tensor>> step;
    for (const std::string& n : names_) {
      const Tensor& p = params_.at(n);
      step.emplace(n, std::make_pair(p.detach().clone(), p.grad().clone()));
    }
    weights_and_grads.push_back(std::move(step));
  }
  void after_step(const StepInfo& info) override {
    losses.push_back(info.loss);
    masks.push_back(pruner_->masks());
    std::map<std::string, Tensor> after;
    for (const std::string& n : names_) after.emplace(n, params_.at(n).detach().clone());
    weights_after_step.push_back(std::move(after));
    if (info.step == stop_at_) trainer_->request_stop();
  }

  std::vector<std::map<std::string, std::pair<Tensor, Tensor>>> weights_and_grads;
  std::vector<std::map<std::string, Tensor>> weights_after_step;
  std::vector<Masks> masks;
  std::vector<double> losses;

 private:
  std::vector<std::string> names_;
  const Pruner* pruner_;
  Trainer* trainer_;
  std::int64_t stop_at_;
  std::map<std::string, Tensor> params_;
};

struct PruningRun {
  std::shared_ptr<BertTaskModel> model;
  std::shared_ptr<Pruner> pruner;
  std::shared_ptr<Recorder> recorder;
  TrainResult result;
};

// Trains a tiny classifier (initialised from init_seed) under the pruning config; stops after
// stop_at steps when given.
PruningRun run_pruning(const nlohmann::json& config_json, const TrainerOptions& options,
                       const std::vector<std::string>& recorded = {}, std::uint64_t init_seed = 3,
                       std::int64_t stop_at = -1, std::shared_ptr<BertTaskModel> model = nullptr,
                       const PrunerOptions& pruner_options = {}) {
  PruningRun run;
  run.model = model ? model : make_bert_model(tiny_bert_config(), BertTask::sequence_classification, init_seed);
  const ResolvedPruning plan = resolve(PruningConfig::from_json(config_json), *run.model);
  run.pruner = std::make_shared<Pruner>(plan, pruner_options);
  Trainer trainer(run.model, options);
  run.recorder = std::make_shared<Recorder>(recorded, run.pruner.get(), &trainer, stop_at);
  trainer.set_train_data(tiny_examples(40, 1), TaskKind::classification, 0);
  trainer.add_hook(run.pruner);
  trainer.add_hook(run.recorder);
  run.result = trainer.train();
  return run;
}

const std::string kQuery = "bert.encoder.layer.0.attention.self.query.weight";

nlohmann::json head_movement_config(nlohmann::json target) {
  nlohmann::json g = {{"op_names",
                       {"bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.self\\.(query|key|value)\\.weight",
                        "bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.output\\.dense\\.weight"}},
                      {"scorer", "movement"},
                      {"granularity", "head"}};
  g.update(target);
  return nlohmann::json::array({g});
}

nlohmann::json ffn_config(const std::string& scorer, double ratio, nlohmann::json schedule) {
  nlohmann::json rows = {{"op_names", {"bert\\.encoder\\.layer\\.[0-9]+\\.intermediate\\.dense\\.(weight|bias)"}},
                         {"scorer", scorer},
                         {"sparse_ratio", ratio},
                         {"granularity", "out_channel"},
                         {"dependency_group", "ffn_{layer}"}};
  nlohmann::json cols = {{"op_names", {"bert\\.encoder\\.layer\\.[0-9]+\\.output\\.dense\\.weight"}},
                         {"scorer", scorer},
                         {"sparse_ratio", ratio},
                         {"granularity", "in_channel"},
                         {"dependency_group", "ffn_{layer}"}};
  rows.update(schedule);
  cols.update(schedule);
  return nlohmann::json::array({rows, cols});
}

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

// Which of the 24 FFN units of a layer the intermediate.dense weight mask keeps.
std::vector<int> kept_units(const Masks& masks, int layer) {
  const std::vector<float> m =
      values(masks.at("bert.encoder.layer." + std::to_string(layer) + ".intermediate.dense.weight"));
  std::vector<int> kept;
  for (int u = 0; u < 24; ++u) {
    if (m[static_cast<std::size_t>(u * 16)] == 1.0f) kept.push_back(u);
  }
  return kept;
}

// The k units with the highest scores (ties to the lower index), sorted.
std::vector<int> top_units(const std::vector<double>& scores, std::size_t k) {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  order.resize(k);
  std::sort(order.begin(), order.end());
  return order;
}

TEST(Pruner, MovementScoresFollowAdamOnMinusWeightTimesGradient) {
  ScratchDir dir;
  // Masks stay all ones (warm-up beyond the run), so dL/dW' is the recorded dL/dW.
  const auto config =
      head_movement_config({{"sparse_ratio", 0.5}, {"warmup_steps", 100}, {"cooldown_begin_step", 200}});
  const PruningRun run = run_pruning(config, tiny_trainer_options(dir.path(), 4), {kQuery});
  ASSERT_EQ(run.recorder->weights_and_grads.size(), 4u);

  const ResolvedPruning plan = resolve(PruningConfig::from_json(config), *run.model);
  const ResolvedParameter& query = plan.groups[0].parameters[0];
  ASSERT_EQ(query.name, kQuery);
  // torch.optim.Adam's arithmetic, lr 1e-2, on the gradient of the scores: -(movement), where movement
  // (Sanh et al. 2020) is -W * dL/dW summed per head.
  std::vector<double> s(4, 0.0), m(4, 0.0), v(4, 0.0);
  for (std::size_t t = 1; t <= 4; ++t) {
    const auto& [w, g] = run.recorder->weights_and_grads[t - 1].at(kQuery);
    const std::vector<float> movement = values(reduce_to_mask(query, scale(mul(w, g), -1.0)));
    for (std::size_t h = 0; h < 4; ++h) {
      const double grad = -movement[h];
      m[h] = 0.9 * m[h] + 0.1 * grad;
      v[h] = 0.999 * v[h] + 0.001 * grad * grad;
      const double m_hat = m[h] / (1 - std::pow(0.9, t)), v_hat = v[h] / (1 - std::pow(0.999, t));
      s[h] -= 1e-2 * m_hat / (std::sqrt(v_hat) + 1e-8);
    }
  }
  const std::vector<float> learned = values(run.pruner->state_tensors().at("scores." + kQuery));
  for (std::size_t h = 0; h < 4; ++h) EXPECT_NEAR(learned[h], s[h], 1e-6) << "head " << h;
  // Scores moved both ways: the comparison is not of zeros.
  EXPECT_GT(*std::max_element(learned.begin(), learned.end()), 0.0f);
  EXPECT_LT(*std::min_element(learned.begin(), learned.end()), 0.0f);
}

TEST(Pruner, SoftMovementGetsSparserAsRegularScaleGrows) {
  std::vector<double> fractions;
  for (double regular_scale : {0.0, 100.0}) {
    ScratchDir dir;
    TrainerOptions o = tiny_trainer_options(dir.path(), 20);
    o.lr = 1e-3;
    const PruningRun run =
        run_pruning(head_movement_config({{"sparse_threshold", 0.5}, {"regular_scale", regular_scale}}), o);
    fractions.push_back(run.pruner->sparsity_report().at("masked_fraction").get<double>());
  }
  EXPECT_LT(fractions[0], fractions[1]);
  EXPECT_GE(fractions[1], 0.9);
}

// The regulariser follows the weight of the task term (0.1 under distillation), so regular_scale
// means the same against the task's gradient with or without a teacher; weight 0 leaves it unscaled.
TEST(Pruner, SoftRegulariserScalesWithTheTaskLossWeight) {
  std::vector<double> terms;
  for (double weight : {1.0, 0.1, 0.0}) {
    ScratchDir dir;
    PrunerOptions options;
    options.task_loss_weight = weight;
    // The ramp is 0 at the first step and 1 from the second, so every run's scores are still alike
    // when the second step's term is logged.
    const auto config = head_movement_config(
        {{"sparse_threshold", 0.5}, {"regular_scale", 10.0}, {"warmup_steps", 0}, {"cooldown_begin_step", 1}});
    const PruningRun run = run_pruning(config, tiny_trainer_options(dir.path(), 2), {}, 3, -1, nullptr, options);
    terms.push_back(run.pruner->log_fields().at("regularization").get<double>());
  }
  EXPECT_GT(terms[0], 0.0);
  EXPECT_NEAR(terms[1], 0.1 * terms[0], 1e-6 * terms[0]);
  EXPECT_EQ(terms[2], terms[0]);
}

TEST(Pruner, HardHeadMovementKeepsTheExactRatioPerLayer) {
  ScratchDir dir;
  const PruningRun run =
      run_pruning(head_movement_config({{"sparse_ratio", 0.75}}), tiny_trainer_options(dir.path(), 6));
  const nlohmann::json report = run.pruner->sparsity_report();
  // Q, K, V and the output projection of a layer are ranked together: 16 head entries, 4 kept.
  for (const char* layer : {"0", "1"}) {
    EXPECT_EQ(report["groups"][0]["layers"][layer]["entries"], 16);
    EXPECT_EQ(report["groups"][0]["layers"][layer]["entries_kept"], kept_count(16, 0.75));
  }
  EXPECT_DOUBLE_EQ(report["groups"][0]["masked_fraction"].get<double>(), 0.75);
}

TEST(Pruner, TaylorAgpKeepsExactCountsChosenByHandComputedImportance) {
  ScratchDir dir;
  const std::vector<std::string> names{"bert.encoder.layer.0.intermediate.dense.weight",
                                       "bert.encoder.layer.0.intermediate.dense.bias",
                                       "bert.encoder.layer.0.output.dense.weight"};
  const auto config = ffn_config("taylor", 0.5, {{"interval_steps", 2}, {"total_times", 2}});
  const PruningRun run = run_pruning(config, tiny_trainer_options(dir.path(), 4), names);

  // Per unit u: sum over the steps since the last update of |W * dL/dW| over row u of the
  // intermediate weight, its bias entry and column u of the output weight.
  auto importance = [&](std::size_t first_step, std::size_t last_step) {
    std::vector<double> score(24, 0.0);
    for (std::size_t t = first_step; t <= last_step; ++t) {
      const auto& step = run.recorder->weights_and_grads[t - 1];
      const auto w1 = values(step.at(names[0]).first), g1 = values(step.at(names[0]).second);
      const auto b1 = values(step.at(names[1]).first), gb = values(step.at(names[1]).second);
      const auto w2 = values(step.at(names[2]).first), g2 = values(step.at(names[2]).second);
      for (std::size_t u = 0; u < 24; ++u) {
        for (std::size_t c = 0; c < 16; ++c) score[u] += std::fabs(w1[u * 16 + c] * g1[u * 16 + c]);
        score[u] += std::fabs(b1[u] * gb[u]);
        for (std::size_t r = 0; r < 16; ++r) score[u] += std::fabs(w2[r * 24 + u] * g2[r * 24 + u]);
      }
    }
    return score;
  };
  // AGP: step 1 nothing; step 2 sparsity 0.5 * (1 - (1 - 1/2)^3) = 0.4375 keeps round(13.5) = 14;
  // step 4 reaches 0.5: 12 kept, chosen among the survivors by the importance of steps 3 and 4.
  EXPECT_EQ(kept_units(run.recorder->masks[0], 0).size(), 24u);
  const std::vector<int> first = top_units(importance(1, 2), 14);
  EXPECT_EQ(kept_units(run.recorder->masks[1], 0), first);
  EXPECT_EQ(kept_units(run.recorder->masks[2], 0), first);
  std::vector<double> later = importance(3, 4);
  for (std::size_t u = 0; u < 24; ++u) {
    if (std::find(first.begin(), first.end(), static_cast<int>(u)) == first.end()) later[u] = -1.0;
  }
  EXPECT_EQ(kept_units(run.recorder->masks[3], 0), top_units(later, 12));
  // Pruned units learn nothing: at step 3 their rows get exactly zero gradient, whatever AdamW's
  // moments from steps 1 and 2 still move in the stored weights.
  const std::vector<float> g3 = values(run.recorder->weights_and_grads[2].at(names[0]).second);
  for (int u = 0; u < 24; ++u) {
    if (std::find(first.begin(), first.end(), u) != first.end()) continue;
    for (std::size_t c = 0; c < 16; ++c) ASSERT_EQ(g3[static_cast<std::size_t>(u) * 16 + c], 0.0f) << "unit " << u;
  }
  EXPECT_EQ(kept_units(run.recorder->masks[3], 1).size(), 12u);

  // One dependency mask: the output weight's columns follow the intermediate rows.
  const Masks final_masks = run.pruner->masks();
  const auto rows = values(final_masks.at(names[0])), cols = values(final_masks.at(names[2]));
  for (std::size_t u = 0; u < 24; ++u) {
    for (std::size_t r = 0; r < 16; ++r) ASSERT_EQ(cols[r * 24 + u], rows[u * 16]) << "unit " << u;
  }
}

TEST(Pruner, MagnitudeKeepsTheRowsOfLargestL1Norm) {
  ScratchDir dir;
  const std::string name = "bert.encoder.layer.1.intermediate.dense.weight";
  const nlohmann::json config =
      nlohmann::json::array({{{"op_names", {"bert\\.encoder\\.layer\\.[0-9]+\\.intermediate\\.dense\\.weight"}},
                              {"scorer", "magnitude"},
                              {"sparse_ratio", 0.25},
                              {"granularity", "out_channel"},
                              {"interval_steps", 1},
                              {"total_times", 1}}});
  const PruningRun run = run_pruning(config, tiny_trainer_options(dir.path(), 2), {name});
  // Step 1 prunes by the weights as they are after its optimizer step.
  const std::vector<float> w = values(run.recorder->weights_after_step[0].at(name));
  std::vector<double> l1(24, 0.0);
  for (std::size_t u = 0; u < 24; ++u) {
    for (std::size_t c = 0; c < 16; ++c) l1[u] += std::fabs(w[u * 16 + c]);
  }
  const std::vector<int> expected = top_units(l1, 18);
  const std::vector<float> mask = values(run.recorder->masks[0].at(name));
  std::vector<int> kept;
  for (int u = 0; u < 24; ++u) {
    if (mask[static_cast<std::size_t>(u * 16)] == 1.0f) kept.push_back(u);
  }
  EXPECT_EQ(kept, expected);
}

TEST(Pruner, MaskedModelEqualsTheModelWithMasksWrittenIntoItsWeights) {
  ScratchDir dir;
  const PruningRun run = run_pruning(ffn_config("taylor", 0.5, {{"interval_steps", 1}, {"total_times", 2}}),
                                     tiny_trainer_options(dir.path(), 3));
  const Masks masks = run.pruner->masks();
  auto plain = make_bert_model(tiny_bert_config(), BertTask::sequence_classification, 99);
  plain->load_state_dict(masked_state_dict(*run.model, masks));
  const auto examples = tiny_examples(3, 5);
  const Tensor ids = Tensor::from_vector<std::int64_t>(
      std::vector<std::int64_t>(examples[0].input_ids.begin(), examples[0].input_ids.end()),
      {1, static_cast<std::int64_t>(examples[0].input_ids.size())});
  run.model->eval();
  plain->eval();
  NoGradGuard no_grad;
  const Tensor masked_logits = run.model->forward(BertInputs{ids, Tensor(), Tensor()}).logits;
  EXPECT_TRUE(testing::bitwise_equal(masked_logits, plain->forward(BertInputs{ids, Tensor(), Tensor()}).logits));
  // A model directory written as the forward sees the weights is that same masked model.
  save_pretrained(*run.model, dir.path() / "masked", WeightView::as_forward);
  const LoadedBert saved = load_pretrained(dir.path() / "masked");
  saved.model->eval();
  EXPECT_TRUE(testing::bitwise_equal(masked_logits, saved.model->forward(BertInputs{ids, Tensor(), Tensor()}).logits));
  // Without the masks the model is another function: the masks did something.
  run.pruner->detach(*run.model);
  EXPECT_FALSE(testing::bitwise_equal(masked_logits, run.model->forward(BertInputs{ids, Tensor(), Tensor()}).logits));
}

TEST(Pruner, ResumedRunContinuesExactlyWithScoresMasksAndScoreOptimizer) {
  const nlohmann::json config = [] {
    nlohmann::json c = head_movement_config({{"sparse_ratio", 0.5}, {"warmup_steps", 2}});
    for (auto& g : ffn_config("taylor", 0.5, {{"interval_steps", 2}, {"total_times", 3}})) c.push_back(g);
    return c;
  }();
  ScratchDir straight_dir, split_dir;
  const PruningRun straight = run_pruning(config, tiny_trainer_options(straight_dir.path(), 8));
  const PruningRun first = run_pruning(config, tiny_trainer_options(split_dir.path(), 8), {}, 3, 4);
  EXPECT_TRUE(first.result.stopped);
  std::vector<double> losses = first.recorder->losses;
  TrainerOptions second_half = tiny_trainer_options(split_dir.path(), 8);
  second_half.resume = true;
  // The resume starts from the run's starting model (another one is refused); the scores, masks
  // and optimizer state must then come from the checkpoint.
  EXPECT_NE(testing::error_of([&] { run_pruning(config, second_half, {}, 77); }).find("starting_model: the run has"),
            std::string::npos);
  const PruningRun second = run_pruning(config, second_half, {}, 3);
  losses.insert(losses.end(), second.recorder->losses.begin(), second.recorder->losses.end());
  ASSERT_EQ(losses.size(), straight.recorder->losses.size());
  for (std::size_t i = 0; i < losses.size(); ++i)
    EXPECT_EQ(losses[i], straight.recorder->losses[i]) << "step " << i + 1;
  const Masks a = straight.pruner->masks(), b = second.pruner->masks();
  for (const auto& [name, mask] : a) EXPECT_TRUE(testing::bitwise_equal(mask, b.at(name))) << name;
}

TEST(Pruner, FollowHeadsGivesEachLayerOneMinusKeptHeadsOverTwiceTheHeads) {
  // Remove every head of layer 0 and three of four in layer 1 (their output-projection columns).
  auto full = make_bert_model(tiny_bert_config(), BertTask::sequence_classification, 3);
  Masks heads;
  for (int layer : {0, 1}) {
    std::vector<float> columns(16 * 16, 0.0f);
    for (std::size_t r = 0; r < 16 && layer == 1; ++r) {
      for (std::size_t c = 0; c < 4; ++c) columns[r * 16 + c] = 1.0f;
    }
    heads.emplace("bert.encoder.layer." + std::to_string(layer) + ".attention.output.dense.weight",
                  Tensor::from_vector(columns, {16, 16}));
  }
  const std::shared_ptr<BertTaskModel> pruned_heads = speedup(*full, heads);
  ASSERT_EQ(pruned_heads->config().layer_shapes[0].heads, 0);
  ASSERT_EQ(pruned_heads->config().layer_shapes[1].heads, 1);

  ScratchDir dir;
  nlohmann::json config = ffn_config("taylor", 0.5, {{"interval_steps", 1}, {"total_times", 1}});
  for (auto& g : config) g["sparse_ratio"] = "follow_heads";
  const PruningRun run = run_pruning(config, tiny_trainer_options(dir.path(), 1), {}, 3, -1, pruned_heads);
  const nlohmann::json layers = run.pruner->sparsity_report()["groups"][0]["layers"];
  EXPECT_EQ(layers["0"]["entries_kept"], 0);                                  // 1 - 0 / 4 / 2 = 1
  EXPECT_EQ(layers["1"]["entries_kept"], kept_count(24, 1.0 - 1.0 / 4 / 2));  // 3 of 24
  EXPECT_EQ(run.pruner->sparsity_report()["groups"][0]["sparse_ratio"], "follow_heads");
}

TEST(Pruner, LayersWithAttentionFollowSpeedupsHeadRule) {
  auto model = make_bert_model(tiny_bert_config(), BertTask::sequence_classification, 3);
  nlohmann::json config = head_movement_config({{"sparse_ratio", 0.5}});
  config[0]["op_names"] = {"bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.self\\.value\\.weight",
                           "bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.output\\.dense\\.weight"};
  Pruner pruner(resolve(PruningConfig::from_json(config), *model));
  TrainingPlan plan;
  plan.total_steps = 10;
  pruner.on_train_begin(*model, plan);
  EXPECT_EQ(pruner.layers_with_attention(), (std::vector<bool>{true, true}));
  // Layer 0: heads 0, 1 lose their value rows, heads 2, 3 their output columns: no head is left.
  // Layer 1: heads 0-2 lose their value rows; head 3 keeps both.
  StateDict state = pruner.state_tensors();
  const std::string v0 = "bert.encoder.layer.0.attention.self.value.weight";
  const std::string o0 = "bert.encoder.layer.0.attention.output.dense.weight";
  const std::string v1 = "bert.encoder.layer.1.attention.self.value.weight";
  state["mask." + v0] = Tensor::from_vector<float>({0, 0, 1, 1}, {4});
  state["mask." + o0] = Tensor::from_vector<float>({1, 1, 0, 0}, {4});
  state["mask." + v1] = Tensor::from_vector<float>({0, 0, 0, 1}, {4});
  pruner.load_state_tensors(state);
  EXPECT_EQ(pruner.layers_with_attention(), (std::vector<bool>{false, true}));
  // speedup() agrees: layer 0 keeps no head.
  EXPECT_EQ(speedup(*model, pruner.masks())->config().layer_shapes[0].heads, 0);
  EXPECT_EQ(speedup(*model, pruner.masks())->config().layer_shapes[1].heads, 1);
}

TEST(Pruner, RampThatCannotStartWithinTheRunIsRefusedBeforeTraining) {
  ScratchDir dir;
  const std::string error = testing::error_of([&] {
    run_pruning(head_movement_config({{"sparse_ratio", 0.5}, {"warmup_steps", 5}}),
                tiny_trainer_options(dir.path(), 5));
  });
  EXPECT_NE(error.find("group 0: warmup_steps 5 leaves no step to prune in before the end of the run"),
            std::string::npos)
      << error;
}

TEST(Pruner, AgpThatCannotFinishWithinTheRunIsRefusedBeforeTraining) {
  ScratchDir dir;
  try {
    run_pruning(ffn_config("taylor", 0.5, {{"interval_steps", 3}, {"total_times", 2}}),
                tiny_trainer_options(dir.path(), 5));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("group 0: the AGP schedule reaches its target at step 6"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("the run has 5 steps"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pare
