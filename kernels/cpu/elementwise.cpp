#include "kernels/elementwise.h"

#include "kernels/cpu/thread_budget.h"

namespace pare::kernels::cpu {
namespace {

template <BinaryOp Op>
void run(const float* a, const std::int64_t* as, const float* b, const std::int64_t* bs, float* out,
         const std::int64_t* shape, int ndim) {
  std::int64_t outer = 1;
  for (int d = 0; d + 1 < ndim; ++d) outer *= shape[d];
  const std::int64_t inner = ndim > 0 ? shape[ndim - 1] : 1;
  const std::int64_t sa = ndim > 0 ? as[ndim - 1] : 0;
  const std::int64_t sb = ndim > 0 ? bs[ndim - 1] : 0;
  const int threads = elementwise_threads(outer * inner, 32768);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t row = 0; row < outer; ++row) {
    std::int64_t rem = row, oa = 0, ob = 0;
    for (int d = ndim - 2; d >= 0; --d) {
      const std::int64_t i = rem % shape[d];
      rem /= shape[d];
      oa += i * as[d];
      ob += i * bs[d];
    }
    const float* pa = a + oa;
    const float* pb = b + ob;
    float* po = out + row * inner;
    // The three layouts that occur in practice get loops the compiler vectorises.
    if (sa == 1 && sb == 1) {
      for (std::int64_t i = 0; i < inner; ++i) po[i] = apply_binary<Op>(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const float y = pb[0];
      for (std::int64_t i = 0; i < inner; ++i) po[i] = apply_binary<Op>(pa[i], y);
    } else if (sa == 0 && sb == 1) {
      const float x = pa[0];
      for (std::int64_t i = 0; i < inner; ++i) po[i] = apply_binary<Op>(x, pb[i]);
    } else {
      for (std::int64_t i = 0; i < inner; ++i) po[i] = apply_binary<Op>(pa[i * sa], pb[i * sb]);
    }
  }
}

}  // namespace

void binary_broadcast(const Context&, BinaryOp op, const float* a, const std::int64_t* a_strides, const float* b,
                      const std::int64_t* b_strides, float* out, const std::int64_t* shape, int ndim) {
  switch (op) {
    case BinaryOp::add:
      run<BinaryOp::add>(a, a_strides, b, b_strides, out, shape, ndim);
      break;
    case BinaryOp::sub:
      run<BinaryOp::sub>(a, a_strides, b, b_strides, out, shape, ndim);
      break;
    case BinaryOp::mul:
      run<BinaryOp::mul>(a, a_strides, b, b_strides, out, shape, ndim);
      break;
    case BinaryOp::div:
      run<BinaryOp::div>(a, a_strides, b, b_strides, out, shape, ndim);
      break;
  }
}

void scale_add(const Context&, const float* x, float alpha, float beta, float* out, std::int64_t n) {
  const int threads = elementwise_threads(n, 65536);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t i = 0; i < n; ++i) out[i] = alpha * x[i] + beta;
}

}  // namespace pare::kernels::cpu
