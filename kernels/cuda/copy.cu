// strided_copy, fill, convert on CUDA: the twins of kernels/cpu/copy.cpp (same contract, same
// rounding through kernels/half_float.h).
#include <stdexcept>

#include "kernels/copy.h"
#include "kernels/cuda/launch.h"
#include "kernels/half_float.h"

namespace pare::kernels::cuda {
namespace {

constexpr int kMaxDims = 8;

// Shape and both strides by value, so the kernel needs no device copy of the host arrays.
struct CopyGeometry {
  std::int64_t shape[kMaxDims];
  std::int64_t src_strides[kMaxDims];
  std::int64_t dst_strides[kMaxDims];
  int ndim;
};

template <typename Element>
__global__ void strided_copy_kernel(const Element* src, Element* dst, CopyGeometry g, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    std::int64_t rem = i, src_offset = 0, dst_offset = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
      const std::int64_t index = rem % g.shape[d];
      rem /= g.shape[d];
      src_offset += index * g.src_strides[d];
      dst_offset += index * g.dst_strides[d];
    }
    dst[dst_offset] = src[src_offset];
  }
}

template <typename Element>
__global__ void fill_kernel(Element* dst, Element value, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    dst[i] = value;
  }
}

// Reads element i of `src` as f32 (floating types) or i64 (integer types), as the CPU's convert does.
__device__ float load_float(const void* src, DType from, std::int64_t i) {
  switch (from) {
    case DType::bf16:
      return float_from_bf16(static_cast<const std::uint16_t*>(src)[i]);
    case DType::f16:
      return float_from_f16(static_cast<const std::uint16_t*>(src)[i]);
    default:
      return static_cast<const float*>(src)[i];
  }
}

__device__ std::int64_t load_int(const void* src, DType from, std::int64_t i) {
  switch (from) {
    case DType::i32:
      return static_cast<const std::int32_t*>(src)[i];
    case DType::u8:
      return static_cast<const std::uint8_t*>(src)[i];
    default:
      return static_cast<const std::int64_t*>(src)[i];
  }
}

__device__ void store_float(void* dst, DType to, std::int64_t i, float v) {
  switch (to) {
    case DType::bf16:
      static_cast<std::uint16_t*>(dst)[i] = bf16_from_float(v);
      return;
    case DType::f16:
      static_cast<std::uint16_t*>(dst)[i] = f16_from_float(v);
      return;
    default:
      static_cast<float*>(dst)[i] = v;
  }
}

__device__ void store_int(void* dst, DType to, std::int64_t i, std::int64_t v) {
  switch (to) {
    case DType::i32:
      static_cast<std::int32_t*>(dst)[i] = static_cast<std::int32_t>(v);
      return;
    case DType::u8:
      static_cast<std::uint8_t*>(dst)[i] = static_cast<std::uint8_t>(v);
      return;
    default:
      static_cast<std::int64_t*>(dst)[i] = v;
  }
}

__global__ void convert_kernel(const void* src, DType from, bool from_float, void* dst, DType to, bool to_float,
                               std::int64_t n) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    if (from_float) {
      const float v = load_float(src, from, i);
      if (to_float) {
        store_float(dst, to, i, v);
      } else {
        store_int(dst, to, i, static_cast<std::int64_t>(v));
      }
    } else {
      const std::int64_t v = load_int(src, from, i);
      if (to_float) {
        store_float(dst, to, i, static_cast<float>(v));
      } else {
        store_int(dst, to, i, v);
      }
    }
  }
}

template <typename Element>
void launch_strided_copy(const Context& ctx, const void* src, void* dst, const CopyGeometry& g, std::int64_t n) {
  strided_copy_kernel<Element><<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      static_cast<const Element*>(src), static_cast<Element*>(dst), g, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

template <typename Element>
void launch_fill(const Context& ctx, void* dst, const void* value, std::int64_t n) {
  Element v;
  std::memcpy(&v, value, sizeof(Element));
  fill_kernel<Element><<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(static_cast<Element*>(dst), v, n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace

void strided_copy(const Context& ctx, const void* src, const std::int64_t* src_strides, void* dst,
                  const std::int64_t* dst_strides, const std::int64_t* shape, int ndim, std::size_t elem_size) {
  if (ndim > kMaxDims) throw std::invalid_argument("strided_copy: at most 8 dimensions on CUDA");
  CopyGeometry g{};
  g.ndim = ndim;
  std::int64_t n = 1;
  for (int d = 0; d < ndim; ++d) {
    g.shape[d] = shape[d];
    g.src_strides[d] = src_strides[d];
    g.dst_strides[d] = dst_strides[d];
    n *= shape[d];
  }
  if (n == 0) return;
  switch (elem_size) {
    case 1:
      return launch_strided_copy<std::uint8_t>(ctx, src, dst, g, n);
    case 2:
      return launch_strided_copy<std::uint16_t>(ctx, src, dst, g, n);
    case 4:
      return launch_strided_copy<std::uint32_t>(ctx, src, dst, g, n);
    case 8:
      return launch_strided_copy<std::uint64_t>(ctx, src, dst, g, n);
    default:
      throw std::invalid_argument("strided_copy: elements of 1, 2, 4 or 8 bytes on CUDA");
  }
}

void fill(const Context& ctx, void* dst, const void* value, std::size_t elem_size, std::int64_t n) {
  if (n == 0) return;
  switch (elem_size) {
    case 1:
      return launch_fill<std::uint8_t>(ctx, dst, value, n);
    case 2:
      return launch_fill<std::uint16_t>(ctx, dst, value, n);
    case 4:
      return launch_fill<std::uint32_t>(ctx, dst, value, n);
    case 8:
      return launch_fill<std::uint64_t>(ctx, dst, value, n);
    default:
      throw std::invalid_argument("fill: elements of 1, 2, 4 or 8 bytes on CUDA");
  }
}

void convert(const Context& ctx, const void* src, DType from, void* dst, DType to, std::int64_t n) {
  if (n == 0) return;
  convert_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream_of(ctx)>>>(src, from, is_floating(from), dst, to,
                                                                         is_floating(to), n);
  PARE_CUDA_CHECK_LAUNCH(ctx);
}

}  // namespace pare::kernels::cuda
