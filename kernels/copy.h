// strided_copy, fill, dtype conversions: the memory movement behind Tensor views, to() and fill_().
#pragma once

#include <cstddef>
#include <cstdint>

namespace pare::kernels::cpu {

// Packs a strided view (shape and strides in elements) of `elem_size`-byte elements into `dst`.
void strided_copy(const void* src, void* dst, std::size_t elem_size, const std::int64_t* shape,
                  const std::int64_t* strides, int ndim);
// Writes the `elem_size`-byte pattern at `value` into n consecutive elements.
void fill(void* dst, const void* value, std::size_t elem_size, std::int64_t n);

// Round-to-nearest-even conversions between f32 and the 16-bit float formats.
void f32_to_bf16(const float* src, std::uint16_t* dst, std::int64_t n);
void bf16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n);
void f32_to_f16(const float* src, std::uint16_t* dst, std::int64_t n);
void f16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n);

}  // namespace pare::kernels::cpu
