// DType: element types a tensor can hold, their sizes and names (safetensors spelling).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kernels/element_type.h"  // DType, dtype_size, is_floating

namespace pare {

// Names as safetensors writes them: "F32", "BF16", "F16", "I32", "I64", "U8", "I8".
std::string_view dtype_name(DType dtype);
// Inverse of dtype_name; throws pare::Error naming `name` when it is not one of ours.
DType dtype_from_name(std::string_view name);

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<std::int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<std::uint8_t>() {
  return DType::u8;
}
template <>
constexpr DType dtype_of<std::int8_t>() {
  return DType::i8;
}

}  // namespace pare
