#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "kernels/cuda/alignment.h"
#include "kernels/cuda/bias_gemm.h"
#include "kernels/cuda/cublas_check.h"
#include "kernels/cuda/cublaslt_library.h"
#include "kernels/cuda/launch.h"

namespace pare::kernels::cuda {
namespace {

// A matmul descriptor, its layouts and the algorithm the heuristic picked, made once per shape and
// operand alignments: the heuristic query costs more than a small product, and an algorithm chosen for
// aligned operands may fault on others.
struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

// The operands' alignments in bytes (alignment.h): cuBLASLt's A (our b), B (our a) and C = D (c).
struct Alignments {
  std::uint32_t a, b, d;
};

using PlanKey = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, int, std::int64_t, bool, std::int64_t, bool,
                           std::uint32_t, std::uint32_t, std::uint32_t>;

cublasOperation_t op_of(bool transposed) { return transposed ? CUBLAS_OP_T : CUBLAS_OP_N; }

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLASLt's A is our b, its B our a
// (gemm.cu). A row-major matrix stored [rows, cols] reads column-major as [cols, rows].
Plan make_plan(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, GemmElement element,
               const LtOperand& a, const LtOperand& b, const Alignments& alignments) {
  const CublasLtLibrary& lt = cublaslt();
  const cudaDataType type = element == GemmElement::f32 ? CUDA_R_32F : CUDA_R_16BF;
  Plan plan;
  PARE_CUBLAS_CHECK(lt.desc_create(&plan.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  const cublasOperation_t trans_b = op_of(b.transposed), trans_a = op_of(a.transposed);
  PARE_CUBLAS_CHECK(lt.desc_set(plan.desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans_b, sizeof trans_b));
  PARE_CUBLAS_CHECK(lt.desc_set(plan.desc, CUBLASLT_MATMUL_DESC_TRANSB, &trans_a, sizeof trans_a));
  const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
  PARE_CUBLAS_CHECK(lt.desc_set(plan.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue));
  const cudaDataType bias_type = CUDA_R_32F;
  PARE_CUBLAS_CHECK(lt.desc_set(plan.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bias_type, sizeof bias_type));
  PARE_CUBLAS_CHECK(lt.layout_create(&plan.a, type, static_cast<std::uint64_t>(b.transposed ? k : n),
                                     static_cast<std::uint64_t>(b.transposed ? n : k), b.ld));
  PARE_CUBLAS_CHECK(lt.layout_create(&plan.b, type, static_cast<std::uint64_t>(a.transposed ? m : k),
                                     static_cast<std::uint64_t>(a.transposed ? k : m), a.ld));
  PARE_CUBLAS_CHECK(
      lt.layout_create(&plan.d, CUDA_R_32F, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(m), n));
  cublasLtMatmulPreference_t preference = nullptr;
  PARE_CUBLAS_CHECK(lt.preference_create(&preference));
  const std::size_t workspace = ctx.workspace_bytes;
  PARE_CUBLAS_CHECK(
      lt.preference_set(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace));
  // The operands' real alignments; the default, 256 bytes, would let the heuristic pick an algorithm
  // that faults on a view at an odd offset.
  for (const auto& [attribute, bytes] : {std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, alignments.a},
                                         std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, alignments.b},
                                         std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, alignments.d},
                                         std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, alignments.d}}) {
    PARE_CUBLAS_CHECK(lt.preference_set(preference, attribute, &bytes, sizeof bytes));
  }
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t status = lt.heuristic(static_cast<cublasLtHandle_t>(ctx.blas_lt), plan.desc, plan.a, plan.b,
                                             plan.d, plan.d, preference, 1, &result, &found);
  PARE_CUBLAS_CHECK(lt.preference_destroy(preference));
  PARE_CUBLAS_CHECK(status);
  if (found == 0) {
    throw std::runtime_error("cuBLASLt has no algorithm for a [" + std::to_string(m) + ", " + std::to_string(k) +
                             "] x [" + std::to_string(k) + ", " + std::to_string(n) + "] product with a bias");
  }
  plan.algo = result.algo;
  return plan;
}

}  // namespace

bool bias_epilogue_takes(const float* bias) { return address_alignment(bias) >= kBiasEpilogueAlignment; }

void gemm_with_bias_epilogue(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, GemmElement element,
                             const LtOperand& a, const LtOperand& b, const float* bias, float* c) {
  static std::mutex mutex;
  static std::map<PlanKey, Plan> plans;
  if (address_alignment(bias) < kBiasEpilogueAlignment) {
    throw std::invalid_argument("gemm_with_bias_epilogue: the bias is not 16-byte aligned (bias_epilogue_takes)");
  }
  const Alignments alignments{address_alignment(b.data), address_alignment(a.data), address_alignment(c)};
  const PlanKey key{
      ctx.device,   m,           n, k, static_cast<int>(element), a.ld, a.transposed, b.ld, b.transposed, alignments.a,
      alignments.b, alignments.d};
  // One lock over the plan and the call: the bias pointer is an attribute of the shared descriptor.
  std::lock_guard lock(mutex);
  auto it = plans.find(key);
  if (it == plans.end()) it = plans.emplace(key, make_plan(ctx, m, n, k, element, a, b, alignments)).first;
  const Plan& plan = it->second;
  const CublasLtLibrary& lt = cublaslt();
  PARE_CUBLAS_CHECK(lt.desc_set(plan.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
  const float alpha = 1.0f, beta = 0.0f;
  PARE_CUBLAS_CHECK(lt.matmul(static_cast<cublasLtHandle_t>(ctx.blas_lt), plan.desc, &alpha, b.data, plan.a, a.data,
                              plan.b, &beta, c, plan.d, c, plan.d, &plan.algo, ctx.workspace, ctx.workspace_bytes,
                              stream_of(ctx)));
}

}  // namespace pare::kernels::cuda
