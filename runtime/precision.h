// The precision policy: what the matrix products of linear and matmul compute in. f32 everywhere, or
// bf16 mixed precision: operands rounded to bf16, products accumulated and written in f32, while
// weights, gradients, optimizer state and every other op stay f32 (the weights are the f32 master
// copy; each product rounds its own operands). One switch for every backend: the CUDA backend runs
// bf16 products on tensor cores (cuBLAS), the CPU on its bf16 GEMM (kernels/gemm.h gemm_bf16).
// Attention's two products follow it too: under bf16, scaled_dot_product_attention runs as matmul,
// softmax and dropout ops (the scores materialised) instead of the f32 attention kernels.
#pragma once

#include <cstdint>
#include <string>

namespace pare {

enum class Precision : std::uint8_t { f32, bf16 };

// "f32" or "bf16"; throws pare::Error naming the value otherwise.
Precision parse_precision(const std::string& name);
std::string precision_name(Precision precision);

// The policy in force on this thread (f32 unless a scope says otherwise). Autograd runs a backward
// on the thread that calls it, so a scope around forward and backward covers both.
Precision matmul_precision();

class MatmulPrecisionScope {
 public:
  explicit MatmulPrecisionScope(Precision precision);
  ~MatmulPrecisionScope();
  MatmulPrecisionScope(const MatmulPrecisionScope&) = delete;
  MatmulPrecisionScope& operator=(const MatmulPrecisionScope&) = delete;

 private:
  Precision previous_;
};

}  // namespace pare
