// binary_broadcast, scale_add on CUDA: the twins of kernels/cpu/elementwise.cpp.
#include <stdexcept>

#include "kernels/cuda/grid.h"
#include "kernels/elementwise.h"

namespace pare::kernels::cuda {
namespace {

constexpr int kMaxDims = 8;

struct BroadcastGeometry {
  std::int64_t shape[kMaxDims];
  std::int64_t a_strides[kMaxDims];
  std::int64_t b_strides[kMaxDims];
  int ndim;
};

template <BinaryOp Op>
__device__ float apply(float x, float y) {
  if constexpr (Op == BinaryOp::add) return x + y;
  if constexpr (Op == BinaryOp::sub) return x - y;
  if constexpr (Op == BinaryOp::mul) return x * y;
  return x / y;
}

template <BinaryOp Op>
__global__ void binary_kernel(const float* a, const float* b, float* out, BroadcastGeometry g, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    std::int64_t rem = i, oa = 0, ob = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
      const std::int64_t index = rem % g.shape[d];
      rem /= g.shape[d];
      oa += index * g.a_strides[d];
      ob += index * g.b_strides[d];
    }
    out[i] = apply<Op>(a[oa], b[ob]);
  }
}

__global__ void scale_add_kernel(const float* x, float alpha, float beta, float* out, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[i] = alpha * x[i] + beta;
}

template <BinaryOp Op>
void launch_binary(const Context& ctx, const float* a, const float* b, float* out, const BroadcastGeometry& g,
                   std::int64_t n) {
  binary_kernel<Op><<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(a, b, out, g, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace

void binary_broadcast(const Context& ctx, BinaryOp op, const float* a, const std::int64_t* a_strides, const float* b,
                      const std::int64_t* b_strides, float* out, const std::int64_t* shape, int ndim) {
  if (ndim > kMaxDims) throw std::invalid_argument("binary_broadcast: at most 8 dimensions");
  BroadcastGeometry g{};
  g.ndim = ndim;
  std::int64_t n = 1;
  for (int d = 0; d < ndim; ++d) {
    g.shape[d] = shape[d];
    g.a_strides[d] = a_strides[d];
    g.b_strides[d] = b_strides[d];
    n *= shape[d];
  }
  if (n == 0) return;
  switch (op) {
    case BinaryOp::add:
      return launch_binary<BinaryOp::add>(ctx, a, b, out, g, n);
    case BinaryOp::sub:
      return launch_binary<BinaryOp::sub>(ctx, a, b, out, g, n);
    case BinaryOp::mul:
      return launch_binary<BinaryOp::mul>(ctx, a, b, out, g, n);
    case BinaryOp::div:
      return launch_binary<BinaryOp::div>(ctx, a, b, out, g, n);
  }
}

void scale_add(const Context& ctx, const float* x, float alpha, float beta, float* out, std::int64_t n) {
  if (n == 0) return;
  scale_add_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(x, alpha, beta, out, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
