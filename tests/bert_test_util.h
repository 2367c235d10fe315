// Helpers shared by the BERT tests: the PyTorch fixtures under tests/data/bert_tiny and tolerant
// comparisons scaled by the reference tensor's magnitude.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "models/bert.h"
#include "runtime/io/safetensors.h"

namespace pare::testing {

inline std::filesystem::path bert_fixture(const std::string& name) {
  return std::filesystem::path(PARE_TEST_DATA_DIR) / "bert_tiny" / name;
}

// Every tensor of a safetensors file by name.
inline StateDict read_all(const std::filesystem::path& file) {
  const SafetensorsFile st = SafetensorsFile::open(file);
  StateDict out;
  for (const std::string& name : st.names()) out.emplace(name, st.load(name));
  return out;
}

inline BertInputs fixture_inputs(const StateDict& expected) {
  return BertInputs{expected.at("input_ids"), expected.at("attention_mask"), expected.at("token_type_ids")};
}

// max |actual - expected| <= tolerance * max |expected| + absolute (shape must match). `absolute`
// serves tensors whose exact value is zero, such as the key bias's gradient (softmax ignores a
// constant added to a row), where both sides hold only rounding noise.
inline ::testing::AssertionResult close_relative(const Tensor& actual, const Tensor& expected, double tolerance,
                                                 double absolute = 0.0) {
  if (!actual.defined()) return ::testing::AssertionFailure() << "actual tensor is undefined";
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.shape()) << " vs expected "
                                         << shape_str(expected.shape());
  }
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double scale = 0, worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    scale = std::max(scale, std::abs(e[i]));
    const double diff = std::abs(a[i] - e[i]);
    if (!(diff <= worst)) {
      worst = diff;
      at = i;
    }
  }
  if (worst <= tolerance * scale + absolute) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max |diff| " << worst << " at element " << at << " (" << a[at] << " vs "
                                       << e[at] << ") exceeds " << tolerance << " * max |expected| " << scale << " + "
                                       << absolute;
}

inline bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.to_vector<double>() == b.to_vector<double>();
}

}  // namespace pare::testing
