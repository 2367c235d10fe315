#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/nn/linear.h"
#include "runtime/ops/activation.h"  // gelu
#include "runtime/ops/loss.h"        // cross_entropy
#include "runtime/optim/adamw.h"
#include "runtime/optim/clip_grad.h"
#include "runtime/optim/lr_schedule.h"
#include "runtime/random.h"

namespace pare {
namespace {

// Linear - GELU - Linear.
struct Mlp : Module {
  std::shared_ptr<Linear> fc1, fc2;

  Mlp(std::int64_t in, std::int64_t hidden, std::int64_t classes, Generator& gen) {
    fc1 = register_module("fc1", std::make_shared<Linear>(in, hidden, gen));
    fc2 = register_module("fc2", std::make_shared<Linear>(hidden, classes, gen));
  }
  Tensor forward(const Tensor& x) const { return fc2->forward(gelu(fc1->forward(x))); }
};

double accuracy(const Tensor& logits, const std::vector<std::int64_t>& labels) {
  const std::vector<float> v = logits.to_vector<float>();
  const auto classes = static_cast<std::size_t>(logits.size(1));
  std::size_t correct = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < classes; ++c) best = v[i * classes + c] > v[i * classes + best] ? c : best;
    correct += best == static_cast<std::size_t>(labels[i]);
  }
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

// The whole training loop in miniature: forward, loss, backward, clip, schedule, AdamW step.
// Random labels on 64 random points: the network has to memorise them, which it can only do when
// gradients, clipping and the optimizer are all right.
TEST(MlpTraining, MemorisesRandomLabels) {
  constexpr std::int64_t kPoints = 64, kIn = 8, kHidden = 64, kClasses = 4, kSteps = 300;
  Generator gen(2024);
  const Tensor x = Tensor::randn({kPoints, kIn}, gen);
  const std::vector<float> u = Tensor::rand({kPoints}, gen).to_vector<float>();
  std::vector<std::int64_t> labels;
  for (float r : u) labels.push_back(std::min<std::int64_t>(kClasses - 1, static_cast<std::int64_t>(r * kClasses)));
  const Tensor targets = Tensor::from_vector(labels, {kPoints});

  Mlp model(kIn, kHidden, kClasses, gen);
  AdamW opt(parameter_groups_for_weight_decay(model.named_parameters(), 0.01));
  const LinearWarmupDecay schedule(1e-2, 10, kSteps);

  const auto start = std::chrono::steady_clock::now();
  double first_loss = 0.0, last_loss = 0.0;
  for (std::int64_t step = 0; step < kSteps; ++step) {
    model.zero_grad();
    const Tensor loss = cross_entropy(model.forward(x), targets);
    loss.backward();
    if (step == 0) first_loss = loss.item();
    last_loss = loss.item();
    const double norm = clip_grad_norm(model.parameters(), 1.0);
    ASSERT_TRUE(std::isfinite(norm)) << "step " << step;
    opt.set_lr(schedule.lr(step));
    opt.step();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  NoGradGuard no_grad;
  const Tensor logits = model.forward(x);
  const double final_loss = cross_entropy(logits, targets).item();
  EXPECT_NEAR(first_loss, std::log(double(kClasses)), 0.05);  // small init: near-uniform predictions
  EXPECT_LT(final_loss, first_loss / 100.0) << "loss " << first_loss << " -> " << final_loss;
  EXPECT_LE(final_loss, last_loss * 1.01);
  EXPECT_EQ(accuracy(logits, labels), 1.0);
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace pare
