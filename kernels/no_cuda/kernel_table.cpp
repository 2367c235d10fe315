// A build without the CUDA toolkit links these stubs in place of kernels/cuda, so the runtime has no
// build switches: asking for the CUDA backend says what is missing.
#include "kernels/kernel_table.h"

#include <stdexcept>

namespace pare::kernels::cuda {

const KernelTable& kernel_table() { throw std::runtime_error("pare was built without CUDA support"); }

Context make_context(int) { throw std::runtime_error("pare was built without CUDA support"); }

void set_cuda_attention(CudaAttention) { throw std::runtime_error("pare was built without CUDA support"); }

CudaAttention cuda_attention() { return CudaAttention::unfused; }

}  // namespace pare::kernels::cuda
