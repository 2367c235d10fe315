// strided_copy, fill, convert: the memory movement behind contiguous(), copy_(), fill_() and
// to(dtype), on every backend.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/context.h"
#include "kernels/element_type.h"  // DType

namespace pare::kernels::cpu {

// For every multi-index i of `shape` (ndim <= 8, host arrays): dst[i . dst_strides] =
// src[i . src_strides], strides in elements of `elem_size` bytes. Packs views, scatters into views.
void strided_copy(const Context& ctx, const void* src, const std::int64_t* src_strides, void* dst,
                  const std::int64_t* dst_strides, const std::int64_t* shape, int ndim, std::size_t elem_size);
// Writes the `elem_size`-byte pattern at `value` (host memory) into n consecutive elements.
void fill(const Context& ctx, void* dst, const void* value, std::size_t elem_size, std::int64_t n);
// dst[i] = src[i] for n packed elements converted `from` -> `to`: floats round to nearest even, floats
// to integers truncate, as static_cast does.
void convert(const Context& ctx, const void* src, DType from, void* dst, DType to, std::int64_t n);

// Round-to-nearest-even conversions between f32 and the 16-bit float formats, on the host: convert
// uses them, and fill_ uses them to make one element's bit pattern.
void f32_to_bf16(const float* src, std::uint16_t* dst, std::int64_t n);
void bf16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n);
void f32_to_f16(const float* src, std::uint16_t* dst, std::int64_t n);
void f16_to_f32(const std::uint16_t* src, float* dst, std::int64_t n);

}  // namespace pare::kernels::cpu

namespace pare::kernels::cuda {
decltype(cpu::strided_copy) strided_copy;
decltype(cpu::fill) fill;
decltype(cpu::convert) convert;
}  // namespace pare::kernels::cuda
