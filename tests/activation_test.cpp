#include "runtime/ops/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/gradcheck.h"

namespace pare {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random_param;

constexpr double kSqrt2OverPi = 0.79788456080286535588;

enum class Kind { gelu_erf, gelu_tanh, relu, tanh, sigmoid, abs };

struct Reference {
  double value;
  double derivative;
};

// Double-precision closed forms, independent of the kernels' approximations.
Reference reference(Kind kind, double x) {
  switch (kind) {
    case Kind::gelu_erf: {
      const double cdf = 0.5 * (1.0 + std::erf(x / std::sqrt(2.0)));
      return {x * cdf, cdf + x * std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI)};
    }
    case Kind::gelu_tanh: {
      const double t = std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x));
      const double du = kSqrt2OverPi * (1.0 + 3.0 * 0.044715 * x * x);
      return {0.5 * x * (1.0 + t), 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du};
    }
    case Kind::relu:
      return {x > 0 ? x : 0.0, x > 0 ? 1.0 : 0.0};
    case Kind::tanh: {
      const double t = std::tanh(x);
      return {t, 1.0 - t * t};
    }
    case Kind::sigmoid: {
      const double s = 1.0 / (1.0 + std::exp(-x));
      return {s, s * (1.0 - s)};
    }
    case Kind::abs:
      return {std::fabs(x), x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0)};
  }
  return {0.0, 0.0};
}

Tensor apply(Kind kind, const Tensor& x) {
  switch (kind) {
    case Kind::gelu_erf:
      return gelu(x);
    case Kind::gelu_tanh:
      return gelu(x, GeluApproximation::tanh);
    case Kind::relu:
      return relu(x);
    case Kind::tanh:
      return tanh(x);
    case Kind::sigmoid:
      return sigmoid(x);
    case Kind::abs:
      return abs(x);
  }
  return Tensor();
}

const char* kind_name(Kind kind) {
  static const char* names[] = {"gelu_erf", "gelu_tanh", "relu", "tanh", "sigmoid", "abs"};
  return names[static_cast<int>(kind)];
}

void PrintTo(Kind kind, std::ostream* out) { *out << kind_name(kind); }

class ActivationTest : public ::testing::TestWithParam<Kind> {};

// Values across the whole range the approximations switch between, including saturation.
Tensor probe_values(Generator& gen, const Shape& shape) {
  Tensor x = Tensor::randn(shape, gen, 0.0f, 4.0f);
  std::vector<float> v = x.to_vector<float>();
  const float extremes[] = {0.0f, -0.0f, 1e-6f, -1e-6f, 0.3f, -0.62f, 0.63f, 30.0f, -30.0f, 100.0f, -100.0f};
  for (std::size_t i = 0; i < std::size(extremes) && i < v.size(); ++i) v[i] = extremes[i];
  return Tensor::from_vector(v, shape);
}

TEST_P(ActivationTest, ForwardAndDerivativeMatchClosedForm) {
  const Kind kind = GetParam();
  Generator gen(21);
  // Large enough for the multi-threaded path.
  for (const Shape& shape : {Shape{37}, Shape{300, 101}}) {
    Tensor x = probe_values(gen, shape);
    x.requires_grad_();
    const Tensor y = apply(kind, x);
    const Tensor g = Tensor::randn(shape, gen);
    y.backward(g);
    const std::vector<float> vx = x.to_vector<float>(), vg = g.to_vector<float>();
    std::vector<float> ry(vx.size()), rdx(vx.size());
    for (std::size_t i = 0; i < vx.size(); ++i) {
      const Reference r = reference(kind, vx[i]);
      ry[i] = static_cast<float>(r.value);
      rdx[i] = static_cast<float>(r.derivative * vg[i]);
    }
    expect_close(y, Tensor::from_vector(ry, shape), 1e-6, 1e-5, std::string(kind_name(kind)) + " forward");
    expect_close(x.grad(), Tensor::from_vector(rdx, shape), 1e-6, 1e-5, std::string(kind_name(kind)) + " backward");
  }
}

TEST_P(ActivationTest, GradientsMatchFiniteDifferences) {
  const Kind kind = GetParam();
  Generator gen(22);
  for (const Shape& shape : {Shape{1}, Shape{3, 5}, Shape{2, 1, 7}}) {
    // Away from ReLU's kink, where a finite difference straddles it.
    std::vector<float> v = Tensor::randn(shape, gen).to_vector<float>();
    for (float& e : v) e = e >= 0.0f ? e + 0.1f : e - 0.1f;
    Tensor x = Tensor::from_vector(v, shape);
    x.requires_grad_();
    expect_gradients_match([kind](const std::vector<Tensor>& in) { return apply(kind, in[0]); }, {x});
  }
}

TEST_P(ActivationTest, NonContiguousInputIsReadInOrder) {
  const Kind kind = GetParam();
  Generator gen(23);
  const Tensor x = Tensor::randn({4, 6}, gen).transpose(0, 1);
  EXPECT_EQ(apply(kind, x).to_vector<float>(), apply(kind, x.contiguous()).to_vector<float>());
}

INSTANTIATE_TEST_SUITE_P(Kinds, ActivationTest,
                         ::testing::Values(Kind::gelu_erf, Kind::gelu_tanh, Kind::relu, Kind::tanh, Kind::sigmoid,
                                           Kind::abs),
                         [](const ::testing::TestParamInfo<Kind>& info) { return kind_name(info.param); });

// sqrt is defined for x >= 0 only, so it is checked on its own domain.
TEST(Activation, SqrtMatchesClosedFormAndFiniteDifferences) {
  Generator gen(24);
  std::vector<float> v = Tensor::rand({3, 5}, gen, 0.05f, 9.0f).to_vector<float>();
  v[0] = 4.0f;
  Tensor x = Tensor::from_vector(v, {3, 5});
  x.requires_grad_();
  const Tensor y = sqrt(x);
  y.backward(Tensor::ones({3, 5}));
  const std::vector<float> got = y.to_vector<float>(), grad = x.grad().to_vector<float>();
  EXPECT_EQ(got[0], 2.0f);
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_NEAR(got[i], std::sqrt(static_cast<double>(v[i])), 1e-6) << i;
    EXPECT_NEAR(grad[i], 0.5 / std::sqrt(static_cast<double>(v[i])), 1e-5) << i;
  }
  Tensor z = Tensor::rand({2, 3}, gen, 0.5f, 4.0f);
  z.requires_grad_();
  expect_gradients_match([](const std::vector<Tensor>& in) { return sqrt(in[0]); }, {z});
}

TEST(Activation, SaturatesAtInfinity) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = Tensor::from_vector<float>({-inf, inf}, {2});
  EXPECT_EQ(tanh(x).to_vector<float>(), (std::vector<float>{-1.0f, 1.0f}));
  EXPECT_EQ(sigmoid(x).to_vector<float>(), (std::vector<float>{0.0f, 1.0f}));
  EXPECT_EQ(relu(x).to_vector<float>(), (std::vector<float>{0.0f, inf}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(relu(Tensor::from_vector<float>({nan}, {1})).item()));
}

TEST(Activation, GeluFormsDiffer) {
  // "gelu" and "gelu_new" are different functions; a mix-up would silently change a model.
  const Tensor x = Tensor::from_vector<float>({1.5f}, {1});
  EXPECT_GT(std::abs(gelu(x).item() - gelu(x, GeluApproximation::tanh).item()), 1e-5);
}

TEST(Activation, WrongDtypeIsAnError) {
  try {
    gelu(Tensor::zeros({2, 3}, DType::i64));
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("gelu"), std::string::npos) << msg;
    EXPECT_NE(msg.find("I64"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace pare
