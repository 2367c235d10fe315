// strided_copy, fill, convert on CUDA: the twins of kernels/cpu/copy.cpp (same contract, same
// rounding through kernels/half_float.h).
#include <stdexcept>

#include "kernels/copy.h"
#include "kernels/cuda/grid.h"
#include "kernels/cuda/strided_pair.h"
#include "kernels/half_float.h"

namespace pare::kernels::cuda {
namespace {

template <typename Element>
__global__ void strided_copy_kernel(const Element* src, Element* dst, StridedPair g) {
  for (std::int64_t i = first_index(); i < g.numel; i += grid_stride()) {
    std::int64_t src_offset, dst_offset;
    g.offsets(i, src_offset, dst_offset);
    dst[dst_offset] = src[src_offset];
  }
}

template <typename Element>
__global__ void fill_kernel(Element* dst, Element value, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
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
    case DType::i8:
      return static_cast<const std::int8_t*>(src)[i];
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
    case DType::i8:
      static_cast<std::int8_t*>(dst)[i] = static_cast<std::int8_t>(v);
      return;
    default:
      static_cast<std::int64_t*>(dst)[i] = v;
  }
}

__global__ void convert_kernel(const void* src, DType from, bool from_float, void* dst, DType to, bool to_float,
                               std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
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
void launch_strided_copy(const Context& ctx, const void* src, void* dst, const StridedPair& g) {
  strided_copy_kernel<Element><<<blocks_for(g.numel), kThreadsPerBlock, 0, stream_of(ctx)>>>(
      static_cast<const Element*>(src), static_cast<Element*>(dst), g);
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
  const StridedPair g = StridedPair::make("strided_copy", shape, src_strides, dst_strides, ndim);
  if (g.numel == 0) return;
  switch (elem_size) {
    case 1:
      return launch_strided_copy<std::uint8_t>(ctx, src, dst, g);
    case 2:
      return launch_strided_copy<std::uint16_t>(ctx, src, dst, g);
    case 4:
      return launch_strided_copy<std::uint32_t>(ctx, src, dst, g);
    case 8:
      return launch_strided_copy<std::uint64_t>(ctx, src, dst, g);
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
