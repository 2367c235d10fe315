#include "kernels/copy.h"

#include <cstring>

namespace pare::kernels::cpu {

void strided_copy(const void* src, void* dst, std::size_t elem_size, const std::int64_t* shape,
                  const std::int64_t* strides, int ndim) {
  std::int64_t outer = 1;
  for (int d = 0; d + 1 < ndim; ++d) outer *= shape[d];
  const std::int64_t inner = ndim > 0 ? shape[ndim - 1] : 1;
  const std::int64_t inner_stride = ndim > 0 ? strides[ndim - 1] : 1;
  const auto* s = static_cast<const unsigned char*>(src);
  auto* o = static_cast<unsigned char*>(dst);
#pragma omp parallel for schedule(static) if (outer * inner > 32768)
  for (std::int64_t row = 0; row < outer; ++row) {
    // Source offset of this row from its multi-index over the outer axes.
    std::int64_t rem = row, offset = 0;
    for (int d = ndim - 2; d >= 0; --d) {
      offset += (rem % shape[d]) * strides[d];
      rem /= shape[d];
    }
    unsigned char* out = o + static_cast<std::size_t>(row * inner) * elem_size;
    if (inner_stride == 1) {
      std::memcpy(out, s + static_cast<std::size_t>(offset) * elem_size, static_cast<std::size_t>(inner) * elem_size);
    } else if (elem_size == 4) {
      const auto* in = reinterpret_cast<const std::uint32_t*>(s) + offset;
      auto* out4 = reinterpret_cast<std::uint32_t*>(out);
      for (std::int64_t i = 0; i < inner; ++i) out4[i] = in[i * inner_stride];
    } else {
      for (std::int64_t i = 0; i < inner; ++i) {
        std::memcpy(out + i * elem_size, s + static_cast<std::size_t>(offset + i * inner_stride) * elem_size,
                    elem_size);
      }
    }
  }
}

void fill(void* dst, const void* value, std::size_t elem_size, std::int64_t n) {
  auto* o = static_cast<unsigned char*>(dst);
  if (elem_size == 4) {
    std::uint32_t v;
    std::memcpy(&v, value, 4);
    auto* o4 = reinterpret_cast<std::uint32_t*>(o);
#pragma omp parallel for schedule(static) if (n > 65536)
    for (std::int64_t i = 0; i < n; ++i) o4[i] = v;
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) std::memcpy(o + i * elem_size, value, elem_size);
}

namespace {

std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float float_of(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

std::uint16_t to_bf16(float f) {
  const std::uint32_t u = bits_of(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40);  // quiet NaN
  const std::uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>((u + rounding) >> 16);
}

std::uint16_t to_f16(float f) {
  const std::uint32_t u = bits_of(f);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (abs < 0x38800000u) {
    // Subnormal half: scale by 2^24 so the integer part is the half mantissa, rounding to even.
    const float scaled = float_of(abs) * 16777216.0f;
    auto m = static_cast<std::uint32_t>(scaled);
    const float frac = scaled - static_cast<float>(m);
    if (frac > 0.5f || (frac == 0.5f && (m & 1u))) ++m;
    return static_cast<std::uint16_t>(sign | m);
  }
  const std::uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

float from_f16(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    const float value = static_cast<float>(mant) * (1.0f / 16777216.0f);
    return sign ? -value : value;
  }
  if (exp == 31) return float_of(sign | 0x7f800000u | (mant << 13));
  return float_of(sign | ((exp + 112u) << 23) | (mant << 13));
}

}  // namespace

void f32_to_bf16(const float* src, std::uint16_t* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = to_bf16(src[i]);
}

void bf16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = float_of(static_cast<std::uint32_t>(src[i]) << 16);
}

void f32_to_f16(const float* src, std::uint16_t* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = to_f16(src[i]);
}

void f16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = from_f16(src[i]);
}

}  // namespace pare::kernels::cpu
