#include "runtime/optim/adamw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "runtime/random.h"

namespace pare {
namespace {

// AdamW in double precision, written from the paper's formulas with PyTorch's decoupled decay.
struct ReferenceAdamW {
  std::vector<double> p, m, v;
  std::int64_t t = 0;

  explicit ReferenceAdamW(const Tensor& param) : p(param.to_vector<double>()), m(p.size(), 0.0), v(p.size(), 0.0) {}

  void step(const std::vector<double>& g, double lr, double wd, const AdamWOptions& o) {
    ++t;
    for (std::size_t i = 0; i < p.size(); ++i) {
      p[i] -= lr * wd * p[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      const double m_hat = m[i] / (1 - std::pow(o.beta1, static_cast<double>(t)));
      const double v_hat = v[i] / (1 - std::pow(o.beta2, static_cast<double>(t)));
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
  }
};

Tensor param(const Shape& shape, Generator& gen) {
  Tensor p = Tensor::randn(shape, gen);
  p.requires_grad_();
  return p;
}

void expect_near_all(const std::vector<float>& actual, const std::vector<double>& expected, double tol,
                     const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    ASSERT_NEAR(actual[i], expected[i], tol * (1.0 + std::abs(expected[i]))) << what << " element " << i;
  }
}

// Clones every tensor so a saved state no longer aliases the live optimizer or module.
StateDict deep_copy(const StateDict& dict) {
  StateDict out;
  for (const auto& [k, t] : dict) out.emplace(k, t.clone());
  return out;
}

TEST(AdamW, OneStepMatchesFormula) {
  Generator gen(1);
  Tensor w = param({5, 7}, gen);
  ReferenceAdamW ref(w);
  const AdamWOptions opts{0.9, 0.999, 1e-8};
  AdamW opt({{{{"w", w}}, 0.01}}, 1e-2, opts);
  const Tensor g = Tensor::randn({5, 7}, gen);
  w.set_grad(g);
  opt.step();
  ref.step(g.to_vector<double>(), 1e-2, 0.01, opts);
  expect_near_all(w.to_vector<float>(), ref.p, 1e-6, "w");
  EXPECT_EQ(opt.steps_taken(), 1);
}

TEST(AdamW, SeveralStepsWithChangingLrMatchFormula) {
  Generator gen(2);
  Tensor a = param({3, 4}, gen), b = param({1}, gen), c = param({65537}, gen);  // c runs multi-threaded
  const AdamWOptions opts{0.8, 0.95, 1e-6};
  ReferenceAdamW ra(a), rb(b), rc(c);
  AdamW opt({{{{"a", a}, {"c", c}}, 0.1}, {{{"b", b}}, 0.0}}, 0.0, opts);
  for (int step = 0; step < 6; ++step) {
    const double lr = 1e-3 * (step + 1);
    opt.set_lr(lr);
    const Tensor ga = Tensor::randn(a.shape(), gen), gb = Tensor::randn(b.shape(), gen, 0.0f, 3.0f),
                 gc = Tensor::randn(c.shape(), gen);
    a.set_grad(ga);
    b.set_grad(gb);
    c.set_grad(gc);
    opt.step();
    ra.step(ga.to_vector<double>(), lr, 0.1, opts);
    rb.step(gb.to_vector<double>(), lr, 0.0, opts);
    rc.step(gc.to_vector<double>(), lr, 0.1, opts);
  }
  expect_near_all(a.to_vector<float>(), ra.p, 1e-5, "a");
  expect_near_all(b.to_vector<float>(), rb.p, 1e-5, "b");
  expect_near_all(c.to_vector<float>(), rc.p, 1e-5, "c");
  expect_near_all(opt.state_dict().at("exp_avg_sq.a").to_vector<float>(), ra.v, 1e-5, "exp_avg_sq.a");
}

TEST(AdamW, GroupsExcludeBiasesAndLayerNormFromDecay) {
  Generator gen(3);
  const NamedTensors named{
      {"encoder.layer.0.attention.self.query.weight", param({4, 4}, gen)},
      {"encoder.layer.0.attention.self.query.bias", param({4}, gen)},
      {"encoder.layer.0.output.LayerNorm.weight", param({4}, gen)},
      {"decoder.layer_norm.weight", param({4}, gen)},
      {"classifier.scale", param({4}, gen)},
      {"pooler.dense.weight", param({4, 4}, gen)},
      {"pooler.dense.bias", param({4, 1}, gen)},
  };
  const auto groups = parameter_groups_for_weight_decay(named, 0.5);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].weight_decay, 0.5);
  EXPECT_EQ(groups[1].weight_decay, 0.0);
  std::vector<std::string> decayed, excluded;
  for (const auto& [name, p] : groups[0].params) decayed.push_back(name);
  for (const auto& [name, p] : groups[1].params) excluded.push_back(name);
  EXPECT_EQ(decayed, (std::vector<std::string>{"encoder.layer.0.attention.self.query.weight", "pooler.dense.weight"}));
  EXPECT_EQ(excluded.size(), 5u);

  // With zero gradients the Adam part is zero, so only decay moves a parameter.
  std::vector<std::vector<float>> before;
  for (const auto& [name, p] : named) {
    before.push_back(p.to_vector<float>());
    p.set_grad(Tensor::zeros(p.shape()));
  }
  AdamW opt(groups, 0.1);
  opt.step();
  for (std::size_t i = 0; i < named.size(); ++i) {
    const std::vector<float> after = named[i].second.to_vector<float>();
    const bool decays = i == 0 || i == 5;
    for (std::size_t j = 0; j < after.size(); ++j) {
      EXPECT_FLOAT_EQ(after[j], decays ? before[i][j] * (1.0f - 0.1f * 0.5f) : before[i][j]) << named[i].first;
    }
  }
}

TEST(AdamW, ParameterWithoutGradKeepsValueAndStepCount) {
  Generator gen(4);
  Tensor a = param({6}, gen), b = param({2, 3}, gen);
  const AdamWOptions opts{};
  ReferenceAdamW rb(b);
  AdamW opt({{{{"a", a}, {"b", b}}, 0.01}}, 1e-3, opts);
  a.set_grad(Tensor::randn(a.shape(), gen));
  opt.step();
  opt.step();
  EXPECT_EQ(b.to_vector<double>(), rb.p);
  EXPECT_EQ(opt.state_dict().at("step.b").item(), 0.0);
  EXPECT_EQ(opt.state_dict().at("step.a").item(), 2.0);

  // b's first update uses its own step count (1) for bias correction.
  const Tensor gb = Tensor::randn(b.shape(), gen);
  a.zero_grad();
  b.set_grad(gb);
  opt.step();
  rb.step(gb.to_vector<double>(), 1e-3, 0.01, opts);
  expect_near_all(b.to_vector<float>(), rb.p, 1e-6, "b");
  EXPECT_EQ(opt.steps_taken(), 3);
}

TEST(AdamW, RestoredStateContinuesBitForBit) {
  Generator gen(5);
  Tensor a = param({4, 9}, gen), b = param({9}, gen);
  const auto grads_for = [](std::uint64_t step, const Tensor& p) {
    Generator g(100 + step);
    return Tensor::randn(p.shape(), g);
  };
  const auto run = [&](AdamW& opt, Tensor& x, Tensor& y, int from, int to) {
    for (int s = from; s < to; ++s) {
      opt.set_lr(1e-2 / (s + 1));
      x.set_grad(grads_for(static_cast<std::uint64_t>(2 * s), x));
      y.set_grad(grads_for(static_cast<std::uint64_t>(2 * s + 1), y));
      opt.step();
    }
  };
  const auto groups = [](const Tensor& x, const Tensor& y) {
    return parameter_groups_for_weight_decay({{"a", x}, {"b", y}}, 0.01);
  };
  AdamW uninterrupted(groups(a, b));
  run(uninterrupted, a, b, 0, 3);

  // Checkpoint: parameter values and optimizer state, copied out.
  Tensor a2 = a.detach().clone(), b2 = b.detach().clone();
  a2.requires_grad_();
  b2.requires_grad_();
  const StateDict saved = deep_copy(uninterrupted.state_dict());

  AdamW resumed(groups(a2, b2));
  resumed.load_state_dict(saved);
  EXPECT_EQ(resumed.steps_taken(), 3);
  run(uninterrupted, a, b, 3, 7);
  run(resumed, a2, b2, 3, 7);
  EXPECT_EQ(a.to_vector<float>(), a2.to_vector<float>());
  EXPECT_EQ(b.to_vector<float>(), b2.to_vector<float>());
  const StateDict s1 = uninterrupted.state_dict(), s2 = resumed.state_dict();
  for (const auto& [key, t] : s1) EXPECT_EQ(t.to_vector<double>(), s2.at(key).to_vector<double>()) << key;
}

TEST(AdamW, LoadStateDictListsEveryProblemAndChangesNothing) {
  Generator gen(6);
  Tensor a = param({2, 3}, gen), b = param({3}, gen);
  AdamW opt({{{{"a", a}, {"b", b}}, 0.0}});
  a.set_grad(Tensor::randn(a.shape(), gen));
  b.set_grad(Tensor::randn(b.shape(), gen));
  opt.step();
  const StateDict before = deep_copy(opt.state_dict());

  StateDict bad = deep_copy(before);
  bad.erase("exp_avg_sq.b");
  bad["exp_avg.a"] = Tensor::zeros({3, 2});
  bad["step.b"] = Tensor::zeros({});
  bad["exp_avg.c"] = Tensor::zeros({1});
  try {
    opt.load_state_dict(bad);
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("missing (1): exp_avg_sq.b"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected (1): exp_avg.c"), std::string::npos) << msg;
    EXPECT_NE(msg.find("exp_avg.a expected F32[2, 3] got F32[3, 2]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("step.b expected I64[] got F32[]"), std::string::npos) << msg;
  }
  const StateDict after = opt.state_dict();
  for (const auto& [key, t] : before) EXPECT_EQ(t.to_vector<double>(), after.at(key).to_vector<double>()) << key;
}

TEST(AdamW, RejectsBadParameters) {
  Generator gen(7);
  Tensor a = param({2}, gen);
  const Tensor frozen = Tensor::zeros({2});
  EXPECT_THROW(AdamW({{{{"a", a}, {"a", param({2}, gen)}}, 0.0}}), Error);
  EXPECT_THROW(AdamW({{{{"a", a}}, 0.0}, {{{"a_again", a}}, 0.0}}), Error);
  EXPECT_THROW(AdamW({{{{"frozen", frozen}}, 0.0}}), Error);
  EXPECT_THROW(AdamW({{{{"a", a}}, -0.1}}), Error);
  EXPECT_THROW(AdamW({{{{"a", a}}, 0.0}}, 1e-3, AdamWOptions{1.0, 0.999, 1e-8}), Error);
  AdamW opt({{{{"a", a}}, 0.0}});
  EXPECT_THROW(opt.set_lr(std::nan("")), Error);
}

}  // namespace
}  // namespace pare
