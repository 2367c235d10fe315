// exp, erfc, tanh approximations written without branches or calls, so loops that use them under
// `#pragma omp simd` vectorise (glibc's vector math is only used with -ffast-math). Accurate to a
// few float ulps; private to kernels/cpu.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace pare::kernels::cpu {

// c ? a : b as bit operations. A plain ?: lets the compiler sink the work for one side into a
// branch, and under the default -ftrapping-math it then refuses to vectorise the branch.
inline float vselect(bool c, float a, float b) {
  const std::uint32_t mask = 0u - static_cast<std::uint32_t>(c);
  return std::bit_cast<float>((std::bit_cast<std::uint32_t>(a) & mask) | (std::bit_cast<std::uint32_t>(b) & ~mask));
}

// Cephes expf: e^x = 2^n * e^r with |r| <= ln2/2, e^r by a degree-6 polynomial.
inline float vexp(float x) {
  const float xc = vselect(x < -87.0f, -87.0f, vselect(x > 88.0f, 88.0f, x));
  // Round to nearest by adding 1.5 * 2^23 (no -ffast-math folds it away); the integer n is then in
  // the low mantissa bits, read without a float-to-int conversion (undefined for NaN).
  const float shifted = xc * 1.44269504088896341f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  const std::int32_t ni = std::bit_cast<std::int32_t>(shifted) - std::bit_cast<std::int32_t>(12582912.0f);
  const float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  const float scale = std::bit_cast<float>((ni + 127) << 23);
  const float y = er * scale;
  // Outside the clamped range the result is 0 or inf, as for std::exp; NaN stays NaN through xc.
  return vselect(x < -87.0f, 0.0f, vselect(x > 88.0f, std::numeric_limits<float>::infinity(), y));
}

// erfc(x) with relative error below ~1e-6 over its whole range (Numerical Recipes' Chebyshev fit,
// 1.2e-7 in exact arithmetic): GELU's tails need relative, not absolute, accuracy.
inline float verfc(float x) {
  const float z = std::bit_cast<float>(std::bit_cast<std::uint32_t>(x) & 0x7fffffffu);
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const float tail = t * vexp(p - z * z);
  return vselect(x < 0.0f, 2.0f - tail, tail);
}

// Cephes tanhf: an odd polynomial below 0.625, 1 - 2 / (e^{2|x|} + 1) above.
inline float vtanh(float x) {
  const float ax = std::bit_cast<float>(std::bit_cast<std::uint32_t>(x) & 0x7fffffffu);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float large = 1.0f - 2.0f / (vexp(2.0f * ax) + 1.0f);
  return vselect(ax < 0.625f, small, vselect(x < 0.0f, -large, large));
}

}  // namespace pare::kernels::cpu
