// binary_broadcast, scale_add on CUDA: the twins of kernels/cpu/elementwise.cpp.
#include "kernels/cuda/grid.h"
#include "kernels/cuda/strided_pair.h"
#include "kernels/elementwise.h"

namespace pare::kernels::cuda {
namespace {

template <BinaryOp Op>
__global__ void binary_kernel(const float* a, const float* b, float* out, StridedPair g) {
  for (std::int64_t i = first_index(); i < g.numel; i += grid_stride()) {
    std::int64_t oa, ob;
    g.offsets(i, oa, ob);
    out[i] = apply_binary<Op>(a[oa], b[ob]);
  }
}

__global__ void scale_add_kernel(const float* x, float alpha, float beta, float* out, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[i] = alpha * x[i] + beta;
}

template <BinaryOp Op>
void launch_binary(const Context& ctx, const float* a, const float* b, float* out, const StridedPair& g) {
  binary_kernel<Op><<<blocks_for(g.numel), kThreadsPerBlock, 0, stream_of(ctx)>>>(a, b, out, g);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace

void binary_broadcast(const Context& ctx, BinaryOp op, const float* a, const std::int64_t* a_strides, const float* b,
                      const std::int64_t* b_strides, float* out, const std::int64_t* shape, int ndim) {
  const StridedPair g = StridedPair::make("binary_broadcast", shape, a_strides, b_strides, ndim);
  if (g.numel == 0) return;
  switch (op) {
    case BinaryOp::add:
      return launch_binary<BinaryOp::add>(ctx, a, b, out, g);
    case BinaryOp::sub:
      return launch_binary<BinaryOp::sub>(ctx, a, b, out, g);
    case BinaryOp::mul:
      return launch_binary<BinaryOp::mul>(ctx, a, b, out, g);
    case BinaryOp::div:
      return launch_binary<BinaryOp::div>(ctx, a, b, out, g);
  }
}

void scale_add(const Context& ctx, const float* x, float alpha, float beta, float* out, std::int64_t n) {
  if (n == 0) return;
  scale_add_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, alpha, beta, out, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
