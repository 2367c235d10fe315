// Each backend's kernels called directly against their CPU twins on the same inputs, at odd sizes and
// through strided views, with every output poisoned with NaN first so that an element a kernel fails
// to write fails the comparison. Runs on the host-guarded device (the CPU table again: proves the
// harness, exact equality) and on every CUDA device present (tolerance), where it is the check of
// kernels/cuda/*.cu.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "runtime/dispatch.h"
#include "runtime/random.h"
#include "tests/devices.h"

namespace pare {
namespace {

using testing::expect_matches_cpu;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<float> random_values(std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  return Tensor::randn({n}, gen).to_vector<float>();
}

Tensor on(Device device, const std::vector<float>& values) {
  return Tensor::from_vector(values, {static_cast<std::int64_t>(values.size())}, device);
}
Tensor on(Device device, const std::vector<std::int64_t>& values) {
  return Tensor::from_vector(values, {static_cast<std::int64_t>(values.size())}, device);
}
Tensor poisoned(Device device, std::int64_t n) { return Tensor::full({n}, kNaN, DType::f32, device); }

// A kernel case: given a device, makes its inputs there from fixed host values, runs the device's
// kernel and returns the named outputs.
using Outputs = std::vector<std::pair<std::string, Tensor>>;
using KernelCase = std::function<Outputs(Device)>;

void expect_twins(Device device, const KernelCase& run) {
  const Outputs want = run(Device::cpu());
  const Outputs got = run(device);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].first);
    // The CPU writes every element, so a NaN left on the device is an element its kernel skipped.
    for (float x : want[i].second.to_vector<float>()) ASSERT_FALSE(std::isnan(x)) << "the CPU left an element unset";
    expect_matches_cpu(got[i].second, want[i].second, device, want[i].first);
  }
}

class KernelTwins : public ::testing::TestWithParam<Device> {};

// Attention over head-split views ([B, T, H, d] memory read as [B, H, T, d]), a padding mask
// broadcast over heads and queries with one batch entry fully masked, with and without dropout; the
// backward with every output and with subsets.
struct AttentionCase {
  std::int64_t B = 2, H = 3, T = 7, S = 13, d = 5;
  float dropout_p = 0.0f;
  bool want_q = true, want_k = true, want_v = true, want_scores = true;
};

Outputs run_attention(Device device, const AttentionCase& c) {
  const kernels::AttentionDims dims{c.B, c.H, c.T, c.S, c.d};
  const Tensor q = on(device, random_values(c.B * c.T * c.H * c.d, 1));
  const Tensor k = on(device, random_values(c.B * c.S * c.H * c.d, 2));
  const Tensor v = on(device, random_values(c.B * c.S * c.H * c.d, 3));
  const Tensor dout = on(device, random_values(c.B * c.T * c.H * c.d, 4));
  std::vector<float> mask(static_cast<std::size_t>(c.B * c.S), 0.0f);
  // Batch entry 1, where there is one, has every key masked.
  for (std::int64_t s = 0; c.B > 1 && s < c.S; ++s) mask[static_cast<std::size_t>(c.S + s)] = -INFINITY;
  mask[3] = -10000.0f;
  const Tensor mask_t = on(device, mask);
  const auto view = [&](const Tensor& t, std::int64_t rows) {
    return kernels::HeadMatrices{t.device_data<float>(), rows * c.H * c.d, c.d, c.H * c.d};
  };
  const auto mutable_view = [&](Tensor& t, std::int64_t rows, bool wanted) {
    return kernels::MutableHeadMatrices{wanted ? t.device_data<float>() : nullptr, rows * c.H * c.d, c.d, c.H * c.d};
  };
  const kernels::AttentionMask mask_view{mask_t.device_data<float>(), {c.S, 0, 0, 1}};
  const kernels::AttentionDropout dropout{c.dropout_p, 77, 5};
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  const std::int64_t saved_size = PARE_LAUNCH(device, attention_saved_size, dims);
  Tensor saved = poisoned(device, saved_size);
  Tensor out = poisoned(device, c.B * c.T * c.H * c.d);
  PARE_LAUNCH(device, attention_forward, dims, scale, view(q, c.T), view(k, c.S), view(v, c.S), mask_view, dropout,
              saved.device_data<float>(), mutable_view(out, c.T, true));
  Tensor dq = poisoned(device, q.numel()), dk = poisoned(device, k.numel()), dv = poisoned(device, v.numel());
  Tensor dscores = poisoned(device, c.B * c.H * c.T * c.S);
  PARE_LAUNCH(device, attention_backward, dims, scale, view(q, c.T), view(k, c.S), view(v, c.S), mask_view,
              saved.device_data<float>(), dropout, view(dout, c.T), mutable_view(dq, c.T, c.want_q),
              mutable_view(dk, c.S, c.want_k), mutable_view(dv, c.S, c.want_v),
              c.want_scores ? dscores.device_data<float>() : nullptr);
  Outputs outputs{{"out", out}};
  if (c.want_q) outputs.emplace_back("grad_q", dq);
  if (c.want_k) outputs.emplace_back("grad_k", dk);
  if (c.want_v) outputs.emplace_back("grad_v", dv);
  if (c.want_scores) outputs.emplace_back("grad_scores", dscores);
  return outputs;
}

// Selects CUDA's attention path (kernels/attention.h); a build without CUDA has no CUDA device to run.
void use_fused_cuda_attention(bool fused) {
#if PARE_HAVE_CUDA
  kernels::cuda::set_cuda_attention(fused ? kernels::cuda::CudaAttention::fused
                                          : kernels::cuda::CudaAttention::unfused);
#else
  (void)fused;
#endif
}

// On CUDA both attention paths run: the unfused one and the fused kernels (head_dim up to 128; the
// 160 case falls back to unfused under the fused switch).
TEST_P(KernelTwins, AttentionForwardAndBackward) {
  std::vector<AttentionCase> cases(8);
  cases[1].dropout_p = 0.3f;
  cases[2].want_q = cases[2].want_k = cases[2].want_scores = false;
  cases[3].want_v = cases[3].want_scores = false;
  cases[3].dropout_p = 0.5f;
  cases[4] = {1, 4, 128, 128, 64, 0.1f, true, true, true, true};  // BERT's shape
  cases[5] = {2, 2, 45, 77, 32, 0.2f, true, true, true, false};   // chunks of 32 with remainders
  cases[6] = {2, 1, 33, 65, 128, 0.0f, true, true, true, true};   // the widest fused head
  cases[7] = {1, 2, 9, 10, 160, 0.1f, true, true, true, false};   // wider than the fused kernels take
  const Device device = GetParam();
  std::vector<bool> fused_paths{false};
  if (device.is_cuda()) fused_paths.push_back(true);
  for (const bool fused : fused_paths) {
    if (device.is_cuda()) use_fused_cuda_attention(fused);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      SCOPED_TRACE("attention case " + std::to_string(i) + (fused ? " (fused)" : ""));
      expect_twins(device, [&](Device on_device) { return run_attention(on_device, cases[i]); });
    }
  }
  if (device.is_cuda()) use_fused_cuda_attention(false);
}

// Batched products whose offsets step evenly (one batched call), step 0 (a broadcast operand) and
// do not (one call each), with transposed operands.
TEST_P(KernelTwins, BatchedGemmOverEveryOffsetPattern) {
  const std::int64_t batch = 5, m = 3, n = 7, k = 4;
  const std::vector<std::vector<std::int64_t>> a_patterns{{0, 12, 24, 36, 48}, {0, 0, 0, 0, 0}, {48, 0, 24, 12, 36}};
  const std::vector<std::int64_t> b_offsets{0, 0, 28, 28, 56};
  for (std::size_t p = 0; p < a_patterns.size(); ++p) {
    for (bool transposed : {false, true}) {
      SCOPED_TRACE("pattern " + std::to_string(p) + (transposed ? " transposed" : ""));
      expect_twins(GetParam(), [&](Device device) {
        const Tensor a = on(device, random_values(60, 5)), b = on(device, random_values(84, 6));
        Tensor c = poisoned(device, batch * m * n);
        const kernels::GemmOperand a_op{a.device_data<float>(), transposed ? m : k, transposed};
        const kernels::GemmOperand b_op{b.device_data<float>(), n, false};
        PARE_LAUNCH(device, gemm_batched, batch, m, n, k, a_op, a_patterns[p].data(), b_op, b_offsets.data(),
                    c.device_data<float>());
        return Outputs{{"c", c}};
      });
    }
  }
}

// The bf16 product over the same offset patterns and over attention's heads seen inside token rows,
// without and with a bias.
TEST_P(KernelTwins, Bf16GemmOverEveryOffsetPattern) {
  const std::int64_t batch = 6, m = 3, n = 7, k = 4;
  // The last pattern: entries (b, h) of 2 x 3 at b * 36 + h * 4 with rows 12 apart (ld 12).
  const std::vector<std::vector<std::int64_t>> a_patterns{
      {0, 12, 24, 36, 48, 60}, {0, 0, 0, 0, 0, 0}, {48, 0, 24, 12, 36, 60}, {0, 4, 8, 36, 40, 44}};
  const std::vector<std::int64_t> b_offsets{0, 0, 28, 28, 56, 56};
  for (std::size_t p = 0; p < a_patterns.size(); ++p) {
    for (const bool with_bias : {false, true}) {
      SCOPED_TRACE("pattern " + std::to_string(p) + (with_bias ? " with bias" : ""));
      expect_twins(GetParam(), [&](Device device) {
        const Tensor a = on(device, random_values(72, 5)).to(DType::bf16);
        const Tensor b = on(device, random_values(84, 6)).to(DType::bf16);
        const Tensor bias = on(device, random_values(n, 7));
        Tensor c = poisoned(device, batch * m * n);
        const std::int64_t lda = p == 3 ? 12 : k;
        const kernels::Bf16GemmOperand a_op{static_cast<const std::uint16_t*>(a.device_raw_data()), lda, false};
        const kernels::Bf16GemmOperand b_op{static_cast<const std::uint16_t*>(b.device_raw_data()), k, true};
        PARE_LAUNCH(device, gemm_bf16, batch, m, n, k, a_op, a_patterns[p].data(), b_op, b_offsets.data(),
                    with_bias ? bias.device_data<float>() : nullptr, c.device_data<float>());
        return Outputs{{"c", c}};
      });
    }
  }
}

// A weight [n, k] packed as the right operand of x W^T, then products of 1, 5 and 130 rows with and
// without a bias, f32 and bf16, packed and plain, with every operand at its allocation's start and one
// element past it (cuBLASLt's plans must not assume 256-byte alignment, nor its bias epilogue a 16-byte
// one); the packed product also agrees with the plain one within rounding.
TEST_P(KernelTwins, PackedWeightProducts) {
  const std::int64_t n = 37, k = 29;
  for (const bool bf16 : {false, true}) {
    for (const std::int64_t m : {1, 5, 130}) {
      for (const bool with_bias : {false, true}) {
        for (const std::int64_t offset : {0, 1}) {
          SCOPED_TRACE(std::string(bf16 ? "bf16" : "f32") + " m " + std::to_string(m) + (with_bias ? " bias" : "") +
                       (offset ? " at odd offsets" : ""));
          auto run = [&](Device device, bool packed) {
            // offset 1: every operand one element past its allocation's start, as views at a batch entry
            // or a pruned width are; cuBLASLt must be told (kernels/cuda/alignment.h).
            Tensor w = on(device, random_values(n * k + offset, 8)), x = on(device, random_values(m * k + offset, 9));
            if (bf16) {
              w = w.to(DType::bf16);
              x = x.to(DType::bf16);
            }
            const Tensor bias = on(device, random_values(n + offset, 10));
            const float* bias_data = with_bias ? bias.device_data<float>() + offset : nullptr;
            Tensor c_storage = poisoned(device, m * n + offset);
            float* c_data = c_storage.device_data<float>() + offset;
            auto at = [&](const Tensor& t) {
              return static_cast<const char*>(t.device_raw_data()) +
                     offset * static_cast<std::int64_t>(dtype_size(t.dtype()));
            };
            if (packed) {
              const Tensor storage =
                  Tensor::empty({PARE_LAUNCH(device, packed_gemm_weight_bytes, bf16, n, k)}, DType::u8, device);
              const auto weight =
                  PARE_LAUNCH(device, pack_gemm_weight, bf16, n, k, at(w), k, true, storage.device_raw_data());
              PARE_LAUNCH(device, gemm_packed, m, at(x), k, *weight, bias_data, c_data);
            } else if (bf16) {
              const std::int64_t zero = 0;
              const kernels::Bf16GemmOperand xo{reinterpret_cast<const std::uint16_t*>(at(x)), k, false};
              const kernels::Bf16GemmOperand wo{reinterpret_cast<const std::uint16_t*>(at(w)), k, true};
              PARE_LAUNCH(device, gemm_bf16, 1, m, n, k, xo, &zero, wo, &zero, bias_data, c_data);
            } else {
              const kernels::GemmOperand xo{reinterpret_cast<const float*>(at(x)), k, false},
                  wo{reinterpret_cast<const float*>(at(w)), k, true};
              if (with_bias) {
                PARE_LAUNCH(device, gemm_bias, m, n, k, xo, wo, bias_data, c_data);
              } else {
                PARE_LAUNCH(device, gemm, m, n, k, 1.0f, xo, wo, 0.0f, c_data, n);
              }
            }
            std::vector<float> c = c_storage.to_vector<float>();
            return on(device, std::vector<float>(c.begin() + offset, c.end()));
          };
          expect_twins(GetParam(), [&](Device device) {
            return Outputs{{"packed", run(device, true)}, {"plain", run(device, false)}};
          });
          const std::vector<float> packed = run(Device::cpu(), true).to_vector<float>();
          const std::vector<float> plain = run(Device::cpu(), false).to_vector<float>();
          for (std::size_t i = 0; i < plain.size(); ++i)
            EXPECT_NEAR(packed[i], plain[i], 1e-5f * (1 + std::abs(plain[i])));
        }
      }
    }
  }
}

// Mask layouts: a [6, 10] parameter over a [3, 5] mask (both axes index it), a shared [8, 8] layout
// over a 1-D mask of 4, and a [300, 257] parameter whose columns map to 65 entries in blocks of 4.
struct LayoutCase {
  std::int64_t rows, cols, entries;
  bool shared;
  std::vector<std::int64_t> row_index, col_index;
};

std::vector<LayoutCase> layout_cases() {
  std::vector<LayoutCase> cases;
  LayoutCase both{6, 10, 15, false, {}, {}};
  for (std::int64_t r = 0; r < 6; ++r) both.row_index.push_back(r / 2 * 5);
  for (std::int64_t c = 0; c < 10; ++c) both.col_index.push_back(c / 2);
  cases.push_back(both);
  LayoutCase shared{8, 8, 4, true, {}, {}};
  for (std::int64_t i = 0; i < 8; ++i) {
    shared.row_index.push_back(i / 2);
    shared.col_index.push_back(i / 2);
  }
  cases.push_back(shared);
  LayoutCase columns{300, 257, 65, false, std::vector<std::int64_t>(300, 0), {}};
  for (std::int64_t c = 0; c < 257; ++c) columns.col_index.push_back(c / 4);
  cases.push_back(columns);
  return cases;
}

TEST_P(KernelTwins, MaskExpandAndReduce) {
  for (const LayoutCase& layout : layout_cases()) {
    SCOPED_TRACE("layout " + std::to_string(layout.rows) + "x" + std::to_string(layout.cols));
    expect_twins(GetParam(), [&](Device device) {
      const Tensor entries = on(device, random_values(layout.entries, 7));
      const Tensor x = on(device, random_values(layout.rows * layout.cols, 8));
      const Tensor rows = on(device, layout.row_index), cols = on(device, layout.col_index);
      Tensor expanded = poisoned(device, layout.rows * layout.cols);
      Tensor reduced = poisoned(device, layout.entries);
      PARE_LAUNCH(device, mask_expand, entries.device_data<float>(), layout.shared, rows.device_data<std::int64_t>(),
                  cols.device_data<std::int64_t>(), layout.rows, layout.cols, expanded.device_data<float>());
      PARE_LAUNCH(device, mask_reduce, x.device_data<float>(), layout.shared, rows.device_data<std::int64_t>(),
                  cols.device_data<std::int64_t>(), layout.rows, layout.cols, layout.entries,
                  reduced.device_data<float>());
      return Outputs{{"expanded", expanded}, {"reduced", reduced}};
    });
  }
}

// The contract of a shared layout (kernels/pruning_mask.h) on every device, against sums written out by
// hand: a [3, 3] parameter whose rows and columns map to entries 0, 1 and none. An element counts
// towards its row's entry and its column's entry, and once where both are the same (the diagonal).
TEST_P(KernelTwins, SharedLayoutReducesEachElementIntoItsEntriesAndTheDiagonalOnce) {
  const Device device = GetParam();
  const std::vector<float> x = {1, 2, 4, 8, 16, 32, 64, 128, 256};  // x[r][c] = 2^(3r + c): sums show each term
  const std::vector<std::int64_t> index = {0, 1, -1};
  const Tensor values = on(device, x), rows = on(device, index), cols = on(device, index);
  Tensor reduced = poisoned(device, 2);
  PARE_LAUNCH(device, mask_reduce, values.device_data<float>(), true, rows.device_data<std::int64_t>(),
              cols.device_data<std::int64_t>(), 3, 3, 2, reduced.device_data<float>());
  const std::vector<float> got = reduced.to(Device::cpu()).to_vector<float>();
  // Entry 0: row 0 (1 + 2 + 4) and column 0 of rows 1 and 2 (8 + 64); entry 1: row 1 (8 + 16 + 32) and
  // column 1 of rows 0 and 2 (2 + 128).
  EXPECT_EQ(got, (std::vector<float>{1 + 2 + 4 + 8 + 64, 8 + 16 + 32 + 2 + 128}));
}

// The reductions CUDA runs in two passes (a block per group of rows or elements, then the blocks in
// order): a sum over 1000 rows of 50 columns (32 row blocks), and the sum of squares and the mean
// squared error of 100003 elements (7 blocks, the last partial), each against the CPU.
TEST_P(KernelTwins, ReductionsOverManyBlocks) {
  expect_twins(GetParam(), [&](Device device) {
    const std::int64_t rows = 1000, cols = 50, n = 100003;
    const Tensor x = on(device, random_values(rows * cols, 31));
    Tensor column_sums = poisoned(device, cols);
    PARE_LAUNCH(device, sum_axis, x.device_data<float>(), column_sums.device_data<float>(), 1, rows, cols);
    const Tensor a = on(device, random_values(n, 32)), b = on(device, random_values(n, 33));
    Tensor squares = Tensor::zeros({1}, DType::i64, device);  // 8 bytes: the double accumulator
    PARE_LAUNCH(device, sum_of_squares, a.device_data<float>(), n, static_cast<double*>(squares.device_raw_data()));
    Tensor mse = poisoned(device, 1);
    PARE_LAUNCH(device, mean_squared_error, a.device_data<float>(), b.device_data<float>(), n,
                mse.device_data<float>());
    const auto bits = squares.to(Device::cpu()).to_vector<std::int64_t>();
    double sum_of_squares = 0;
    std::memcpy(&sum_of_squares, bits.data(), sizeof sum_of_squares);
    return Outputs{{"column_sums", column_sums},
                   {"sum_of_squares", on(device, std::vector<float>{static_cast<float>(sum_of_squares)})},
                   {"mse", mse}};
  });
}

// The embedding gradient: 2 x 300 rows of 70 columns scattered into 41 rows that already hold values,
// with indices repeated many times, the skipped (padding) index 0 and every row hit or not; the sum
// of each written row must be the CPU's, in the CPU's order.
TEST_P(KernelTwins, ScatterAddRowsWithRepeatsAndASkippedIndex) {
  expect_twins(GetParam(), [&](Device device) {
    const std::int64_t outer = 2, m = 300, inner = 70, n = 41;
    std::vector<std::int64_t> ids(static_cast<std::size_t>(m));
    for (std::int64_t j = 0; j < m; ++j) ids[static_cast<std::size_t>(j)] = (j * j + 3 * j) % 37;  // 37..40 never hit
    const Tensor idx = on(device, ids), grad_out = on(device, random_values(outer * m * inner, 34));
    Tensor grad = on(device, random_values(outer * n * inner, 35));
    PARE_LAUNCH(device, scatter_add_rows, grad_out.device_data<float>(), outer, m, inner,
                idx.device_data<std::int64_t>(), n, 0, grad.device_data<float>());
    return Outputs{{"grad", grad}};
  });
}

// Ties (values rounded to tenths) and both zeros, which the CPU's comparison holds equal: the kept set
// must be the CPU's exactly. Then the sigmoid threshold.
TEST_P(KernelTwins, TopKAndSigmoidThresholdKeepTheCpuSet) {
  std::vector<float> values = random_values(1001, 9);
  for (float& x : values) x = std::round(x * 10.0f) / 10.0f;
  values[10] = -0.0f;
  values[11] = 0.0f;
  values[12] = -0.0f;
  for (std::int64_t k : {0, 1, 337, 1001}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    expect_twins(GetParam(), [&](Device device) {
      const Tensor v = on(device, values);
      Tensor kept = poisoned(device, v.numel()), above = poisoned(device, v.numel());
      PARE_LAUNCH(device, keep_top_k, v.device_data<float>(), v.numel(), k, kept.device_data<float>());
      PARE_LAUNCH(device, sigmoid_at_least, v.device_data<float>(), v.numel(), 0.6, above.device_data<float>());
      return Outputs{{"kept", kept}, {"above", above}};
    });
  }
}

// A score that is not finite is an error on every device: the CPU throws at once, a CUDA kernel
// records it and the runtime raises it at the next read.
TEST_P(KernelTwins, TopKRefusesScoresThatAreNotFinite) {
  const Device device = GetParam();
  std::vector<float> values = random_values(50, 10);
  values[17] = kNaN;
  const Tensor v = on(device, values);
  Tensor kept = poisoned(device, v.numel());
  try {
    PARE_LAUNCH(device, keep_top_k, v.device_data<float>(), v.numel(), 5, kept.device_data<float>());
    kept.to_vector<float>();
    FAIL() << "a NaN score was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("17 is not finite"), std::string::npos) << e.what();
  }
}

// Rows longer than a block of threads, and odd: softmax, log-softmax and LayerNorm (with virtual
// zeros, normalized > cols), forward and backward; AdamW over an odd count.
TEST_P(KernelTwins, RowKernelsAtOddWidths) {
  const std::int64_t rows = 37, cols = 1031, normalized = 1100;
  expect_twins(GetParam(), [&](Device device) {
    const Tensor x = on(device, random_values(rows * cols, 11)), dy = on(device, random_values(rows * cols, 12));
    const Tensor w = on(device, random_values(cols, 13)), b = on(device, random_values(cols, 14));
    Tensor y = poisoned(device, rows * cols), dx = poisoned(device, rows * cols);
    Tensor ly = poisoned(device, rows * cols), ldx = poisoned(device, rows * cols);
    PARE_LAUNCH(device, softmax_forward, x.device_data<float>(), y.device_data<float>(), rows, cols);
    PARE_LAUNCH(device, softmax_backward, y.device_data<float>(), dy.device_data<float>(), dx.device_data<float>(),
                rows, cols);
    PARE_LAUNCH(device, log_softmax_forward, x.device_data<float>(), ly.device_data<float>(), rows, cols);
    PARE_LAUNCH(device, log_softmax_backward, ly.device_data<float>(), dy.device_data<float>(),
                ldx.device_data<float>(), rows, cols);
    Outputs outputs{{"softmax", y}, {"softmax_backward", dx}, {"log_softmax", ly}, {"log_softmax_backward", ldx}};
    // LayerNorm of x alone, then of x + a residual (the sum formed inside the kernels).
    const Tensor residual = on(device, random_values(rows * cols, 19));
    for (const Tensor* res : {static_cast<const Tensor*>(nullptr), &residual}) {
      const float* r = res != nullptr ? res->device_data<float>() : nullptr;
      const std::string tag = res != nullptr ? "layer_norm_of_sum" : "layer_norm";
      Tensor ny = poisoned(device, rows * cols), mean = poisoned(device, rows), rstd = poisoned(device, rows);
      PARE_LAUNCH(device, layer_norm_forward, x.device_data<float>(), r, w.device_data<float>(), b.device_data<float>(),
                  1e-5f, ny.device_data<float>(), mean.device_data<float>(), rstd.device_data<float>(), rows, cols,
                  normalized);
      Tensor ndx = poisoned(device, rows * cols), ndw = poisoned(device, cols), ndb = poisoned(device, cols);
      const std::int64_t workspace_size = PARE_LAUNCH(device, layer_norm_backward_workspace, rows, cols);
      Tensor workspace = Tensor::empty({std::max<std::int64_t>(workspace_size, 1)}, DType::f32, device);
      PARE_LAUNCH(device, layer_norm_backward, dy.device_data<float>(), x.device_data<float>(), r,
                  mean.device_data<float>(), rstd.device_data<float>(), w.device_data<float>(),
                  ndx.device_data<float>(), ndw.device_data<float>(), ndb.device_data<float>(),
                  workspace.device_data<float>(), rows, cols, normalized);
      for (auto& [name, t] :
           Outputs{{"", ny}, {"_mean", mean}, {"_rstd", rstd}, {"_dx", ndx}, {"_dweight", ndw}, {"_dbias", ndb}}) {
        outputs.emplace_back(tag + name, t);
      }
    }
    Tensor p = on(device, random_values(1001, 15)), m = on(device, random_values(1001, 16));
    // The second moment is never negative.
    Tensor v = on(device, std::vector<float>(1001, 0.25f));
    const Tensor g = on(device, random_values(1001, 18));
    const kernels::AdamWStep step{1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.19f, 0.0447f};
    const kernels::AdamWTensor tensor{p.device_data<float>(),
                                      g.device_data<float>(),
                                      m.device_data<float>(),
                                      v.device_data<float>(),
                                      p.numel(),
                                      step};
    PARE_LAUNCH(device, adamw_update, &tensor, 1);
    for (auto& [name, t] : Outputs{{"adamw_p", p}, {"adamw_m", m}, {"adamw_v", v}}) outputs.emplace_back(name, t);
    return outputs;
  });
}

// AdamW over 200 parameters of sizes 1 to 37 (and one empty) in one call, each with its own step
// count and decay: more than one CUDA launch's worth, every element at its own tensor's scalars.
TEST_P(KernelTwins, AdamWOverManyTensors) {
  constexpr int kTensors = 200;
  std::vector<std::int64_t> sizes(kTensors);
  std::int64_t total = 0;
  for (int i = 0; i < kTensors; ++i) total += sizes[static_cast<std::size_t>(i)] = i == 5 ? 0 : i % 37 + 1;
  expect_twins(GetParam(), [&](Device device) {
    Tensor p = on(device, random_values(total, 21)), m = on(device, random_values(total, 22));
    Tensor v = on(device, std::vector<float>(static_cast<std::size_t>(total), 0.5f));
    const Tensor g = on(device, random_values(total, 23));
    std::vector<kernels::AdamWTensor> tensors;
    std::int64_t offset = 0;
    for (int i = 0; i < kTensors; ++i) {
      const auto t = static_cast<float>(i % 7 + 1);
      const kernels::AdamWStep step{1e-3f,
                                    0.9f,
                                    0.999f,
                                    1e-8f,
                                    i % 2 == 0 ? 0.01f : 0.0f,
                                    1.0f - std::pow(0.9f, t),
                                    std::sqrt(1.0f - std::pow(0.999f, t))};
      tensors.push_back({p.device_data<float>() + offset, g.device_data<float>() + offset,
                         m.device_data<float>() + offset, v.device_data<float>() + offset,
                         sizes[static_cast<std::size_t>(i)], step});
      offset += sizes[static_cast<std::size_t>(i)];
    }
    PARE_LAUNCH(device, adamw_update, tensors.data(), static_cast<std::int64_t>(tensors.size()));
    return Outputs{{"p", p}, {"m", m}, {"v", v}};
  });
}

INSTANTIATE_TEST_SUITE_P(Devices, KernelTwins, ::testing::ValuesIn(testing::non_cpu_test_devices()),
                         testing::device_test_name);

}  // namespace
}  // namespace pare
