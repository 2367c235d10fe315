// Row-major c[m, n] = op(a) @ op(b) + bias[n] in one cuBLASLt call whose epilogue adds the bias, instead
// of writing the bias first and adding the product to it (a pass over c saved). Operands f32 or bf16,
// accumulation and output f32. cuBLASLt's GELU epilogues are not used: they compute the tanh form,
// and BERT's GELU is the erf form.
#pragma once

#include <cstdint>

#include "kernels/context.h"
#include "kernels/cuda/batched_gemm.h"  // GemmElement

namespace pare::kernels::cuda {

struct LtOperand {
  const void* data;
  std::int64_t ld;
  bool transposed;  // as GemmOperand
};

// Whether gemm_with_bias_epilogue takes `bias`: cuBLASLt's epilogue needs it 16-byte aligned. Callers
// write a less aligned bias into c first and add the product to it.
bool bias_epilogue_takes(const float* bias);

// Operands at any alignment (the plan is chosen for theirs); the bias as bias_epilogue_takes says.
void gemm_with_bias_epilogue(const Context& ctx, std::int64_t m, std::int64_t n, std::int64_t k, GemmElement element,
                             const LtOperand& a, const LtOperand& b, const float* bias, float* c);

}  // namespace pare::kernels::cuda
