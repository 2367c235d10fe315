// A naive LayerNorm in double with its closed-form gradients, over rows optionally padded with
// zeros (the normalized_size of a model whose removed hidden dimensions were zero): the reference
// of the layer_norm tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/ops/layer_norm.h"
#include "runtime/random.h"
#include "runtime/tensor.h"
#include "tests/gradcheck.h"  // expect_close, random_param

namespace pare::testing {

struct LayerNormReference {
  std::vector<float> y, dx, dw, db;
};

// Each row of x [rows, D] padded with zeros to n >= D (weight and bias padded with zeros too; n = 0
// means D, the ordinary LayerNorm), normalised in double; the upstream gradient is g on the real
// entries and 0 on the padding, whose outputs do not exist. Returns the real entries' outputs and
// the closed-form gradients.
inline LayerNormReference naive_layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& g,
                                           double eps, std::int64_t n = 0) {
  const std::int64_t d = x.shape().back(), rows = x.numel() / d;
  if (n == 0) n = d;
  const std::vector<float> vx = x.to_vector<float>(), vw = w.to_vector<float>(), vb = b.to_vector<float>(),
                           vg = g.to_vector<float>();
  LayerNormReference ref{std::vector<float>(vx.size()), std::vector<float>(vx.size()),
                         std::vector<float>(static_cast<std::size_t>(d)),
                         std::vector<float>(static_cast<std::size_t>(d))};
  std::vector<double> dw(static_cast<std::size_t>(d)), db(static_cast<std::size_t>(d));
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<double> row(static_cast<std::size_t>(n), 0.0), grad(static_cast<std::size_t>(n), 0.0),
        weight(static_cast<std::size_t>(n), 0.0), bias(static_cast<std::size_t>(n), 0.0);
    for (std::int64_t j = 0; j < d; ++j) {
      const auto at = static_cast<std::size_t>(r * d + j), c = static_cast<std::size_t>(j);
      row[c] = vx[at];
      grad[c] = vg[at];
      weight[c] = vw[c];
      bias[c] = vb[c];
    }
    double mean = 0.0, var = 0.0;
    for (double v : row) mean += v / static_cast<double>(n);
    for (double v : row) var += (v - mean) * (v - mean) / static_cast<double>(n);
    const double rstd = 1.0 / std::sqrt(var + eps);
    double mean_g = 0.0, mean_gx = 0.0;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const double xhat = (row[c] - mean) * rstd;
      mean_g += grad[c] * weight[c] / static_cast<double>(n);
      mean_gx += grad[c] * weight[c] * xhat / static_cast<double>(n);
    }
    for (std::int64_t j = 0; j < d; ++j) {
      const auto at = static_cast<std::size_t>(r * d + j), c = static_cast<std::size_t>(j);
      const double xhat = (row[c] - mean) * rstd;
      ref.y[at] = static_cast<float>(xhat * weight[c] + bias[c]);
      ref.dx[at] = static_cast<float>(rstd * (grad[c] * weight[c] - mean_g - xhat * mean_gx));
      dw[c] += grad[c] * xhat;
      db[c] += grad[c];
    }
  }
  for (std::size_t c = 0; c < dw.size(); ++c) {
    ref.dw[c] = static_cast<float>(dw[c]);
    ref.db[c] = static_cast<float>(db[c]);
  }
  return ref;
}

// layer_norm's output and gradients on random rows of mean `mean` (large next to their spread, as
// after a residual add) against naive_layer_norm; `normalized_size` unset runs the ordinary op.
inline void expect_layer_norm_matches_naive(const Shape& shape, std::uint64_t seed, float mean,
                                            std::optional<std::int64_t> normalized_size = std::nullopt) {
  Generator gen(seed);
  const std::int64_t d = shape.back();
  Tensor x = Tensor::randn(shape, gen, mean, 3.0f);
  x.requires_grad_();
  Tensor w = random_param({d}, gen), b = random_param({d}, gen);
  const Tensor g = Tensor::randn(shape, gen);
  const double eps = 1e-5;
  const Tensor y = normalized_size ? layer_norm(x, w, b, eps, normalized_size) : layer_norm(x, w, b, eps);
  y.backward(g);
  const LayerNormReference ref = naive_layer_norm(x, w, b, g, eps, normalized_size.value_or(0));
  expect_close(y, Tensor::from_vector(ref.y, shape), 1e-4, 1e-4, "y");
  expect_close(x.grad(), Tensor::from_vector(ref.dx, shape), 1e-4, 1e-3, "dx");
  expect_close(w.grad(), Tensor::from_vector(ref.dw, {d}), 1e-4, 1e-3, "dweight");
  expect_close(b.grad(), Tensor::from_vector(ref.db, {d}), 1e-4, 1e-4, "dbias");
}

}  // namespace pare::testing
