#include "kernels/copy.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "kernels/cpu/parallel_ranges.h"
#include "kernels/cpu/thread_budget.h"
#include "kernels/half_float.h"  // bf16_from_float, f16_from_float and back

namespace pare::kernels::cpu {

void strided_copy(const Context&, const void* src, const std::int64_t* src_strides, void* dst,
                  const std::int64_t* dst_strides, const std::int64_t* shape, int ndim, std::size_t elem_size) {
  std::int64_t outer = 1;
  for (int d = 0; d + 1 < ndim; ++d) outer *= shape[d];
  const std::int64_t inner = ndim > 0 ? shape[ndim - 1] : 1;
  const std::int64_t src_inner = ndim > 0 ? src_strides[ndim - 1] : 1;
  const std::int64_t dst_inner = ndim > 0 ? dst_strides[ndim - 1] : 1;
  const auto* s = static_cast<const unsigned char*>(src);
  auto* o = static_cast<unsigned char*>(dst);
  const int threads = elementwise_threads(outer * inner, 32768);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t row = 0; row < outer; ++row) {
    // Offsets of this row from its multi-index over the outer axes.
    std::int64_t rem = row, src_offset = 0, dst_offset = 0;
    for (int d = ndim - 2; d >= 0; --d) {
      const std::int64_t i = rem % shape[d];
      src_offset += i * src_strides[d];
      dst_offset += i * dst_strides[d];
      rem /= shape[d];
    }
    const unsigned char* in = s + src_offset * static_cast<std::int64_t>(elem_size);
    unsigned char* out = o + dst_offset * static_cast<std::int64_t>(elem_size);
    if ((src_inner == 1 || inner == 1) && (dst_inner == 1 || inner == 1)) {
      std::memcpy(out, in, static_cast<std::size_t>(inner) * elem_size);
    } else if (elem_size == 4) {
      const auto* in4 = reinterpret_cast<const std::uint32_t*>(in);
      auto* out4 = reinterpret_cast<std::uint32_t*>(out);
      for (std::int64_t i = 0; i < inner; ++i) out4[i * dst_inner] = in4[i * src_inner];
    } else {
      for (std::int64_t i = 0; i < inner; ++i) {
        std::memcpy(out + i * dst_inner * static_cast<std::int64_t>(elem_size),
                    in + i * src_inner * static_cast<std::int64_t>(elem_size), elem_size);
      }
    }
  }
}

void fill(const Context&, void* dst, const void* value, std::size_t elem_size, std::int64_t n) {
  auto* o = static_cast<unsigned char*>(dst);
  if (elem_size == 4) {
    std::uint32_t v;
    std::memcpy(&v, value, 4);
    auto* o4 = reinterpret_cast<std::uint32_t*>(o);
    const int threads = elementwise_threads(n, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (std::int64_t i = 0; i < n; ++i) o4[i] = v;
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) std::memcpy(o + i * elem_size, value, elem_size);
}

namespace {

// bf16_from_float's rounding with its NaN case as a select, so the loop vectorises.
PARE_VECTOR_CLONES void f32_to_bf16_range(const float* src, std::uint16_t* dst, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const auto u = std::bit_cast<std::uint32_t>(src[i]);
    const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16, quiet_nan = (u >> 16) | 0x40u;
    dst[i] = static_cast<std::uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
  }
}

}  // namespace

void f32_to_bf16(const float* src, std::uint16_t* dst, std::int64_t n) { f32_to_bf16_range(src, dst, n); }

void bf16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = float_from_bf16(src[i]);
}

void f32_to_f16(const float* src, std::uint16_t* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = f16_from_float(src[i]);
}

void f16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = float_from_f16(src[i]);
}

namespace {

// Elements converted per chunk: the widened copy stays in cache.
constexpr std::int64_t kConvertChunk = 2048;

// Every conversion goes through f32 (floating types) or i64 (integer types), so n types need 2n
// loops, not n^2.
void widen_float(const void* src, DType from, float* out, std::int64_t n) {
  switch (from) {
    case DType::f32:
      std::memcpy(out, src, static_cast<std::size_t>(n) * sizeof(float));
      return;
    case DType::bf16:
      return bf16_to_f32(static_cast<const std::uint16_t*>(src), out, n);
    case DType::f16:
      return f16_to_f32(static_cast<const std::uint16_t*>(src), out, n);
    default:
      throw std::logic_error("convert: not a floating type");
  }
}

void widen_int(const void* src, DType from, std::int64_t* out, std::int64_t n) {
  switch (from) {
    case DType::i32:
      return std::copy_n(static_cast<const std::int32_t*>(src), n, out), void();
    case DType::i64:
      return std::copy_n(static_cast<const std::int64_t*>(src), n, out), void();
    case DType::u8:
      return std::copy_n(static_cast<const std::uint8_t*>(src), n, out), void();
    case DType::i8:
      return std::copy_n(static_cast<const std::int8_t*>(src), n, out), void();
    default:
      throw std::logic_error("convert: not an integer type");
  }
}

void narrow_float(const float* in, void* dst, DType to, std::int64_t n) {
  switch (to) {
    case DType::f32:
      std::memcpy(dst, in, static_cast<std::size_t>(n) * sizeof(float));
      return;
    case DType::bf16:
      return f32_to_bf16(in, static_cast<std::uint16_t*>(dst), n);
    case DType::f16:
      return f32_to_f16(in, static_cast<std::uint16_t*>(dst), n);
    default:
      throw std::logic_error("convert: not a floating type");
  }
}

template <typename T>
void narrow_int_to(const std::int64_t* in, void* dst, std::int64_t n) {
  std::transform(in, in + n, static_cast<T*>(dst), [](std::int64_t v) { return static_cast<T>(v); });
}

void narrow_int(const std::int64_t* in, void* dst, DType to, std::int64_t n) {
  switch (to) {
    case DType::i32:
      return narrow_int_to<std::int32_t>(in, dst, n);
    case DType::i64:
      return narrow_int_to<std::int64_t>(in, dst, n);
    case DType::u8:
      return narrow_int_to<std::uint8_t>(in, dst, n);
    case DType::i8:
      return narrow_int_to<std::int8_t>(in, dst, n);
    default:
      throw std::logic_error("convert: not an integer type");
  }
}

}  // namespace

void convert(const Context&, const void* src, DType from, void* dst, DType to, std::int64_t n) {
  if (from == DType::f32 && to == DType::bf16) {
    // The bf16 policy's operand rounding: straight through, no staging buffer.
    parallel_ranges(n, 65536, 32, [&](std::int64_t begin, std::int64_t end) {
      f32_to_bf16_range(static_cast<const float*>(src) + begin, static_cast<std::uint16_t*>(dst) + begin, end - begin);
    });
    return;
  }
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  const std::size_t in_size = dtype_size(from), out_size = dtype_size(to);
  const std::int64_t chunks = (n + kConvertChunk - 1) / kConvertChunk;
  const int threads = elementwise_threads(n, 65536);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
    const std::int64_t begin = chunk * kConvertChunk, count = std::min(kConvertChunk, n - begin);
    const void* chunk_in = in + static_cast<std::size_t>(begin) * in_size;
    void* chunk_out = out + static_cast<std::size_t>(begin) * out_size;
    float floats[kConvertChunk];
    std::int64_t ints[kConvertChunk];
    if (is_floating(from)) {
      widen_float(chunk_in, from, floats, count);
      if (is_floating(to)) {
        narrow_float(floats, chunk_out, to, count);
        continue;
      }
      std::transform(floats, floats + count, ints, [](float v) { return static_cast<std::int64_t>(v); });
      narrow_int(ints, chunk_out, to, count);
      continue;
    }
    widen_int(chunk_in, from, ints, count);
    if (is_floating(to)) {
      std::transform(ints, ints + count, floats, [](std::int64_t v) { return static_cast<float>(v); });
      narrow_float(floats, chunk_out, to, count);
      continue;
    }
    narrow_int(ints, chunk_out, to, count);
  }
}

}  // namespace pare::kernels::cpu
