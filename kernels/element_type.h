// DType: the element types a tensor can hold. Declared at the bottom of the stack so that kernels that
// convert between types (kernels/copy.h) take the runtime's own enum.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pare {

// f32 is the compute type on CPU; bf16/f16 are storage and GPU compute types; i32/i64 hold ids and
// labels; u8 holds masks; i8 holds int8 weights (kernels/int8.h).
enum class DType : std::uint8_t { f32, bf16, f16, i32, i64, u8, i8 };

// Bytes per element (0 for a value outside the enum).
constexpr std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32:
    case DType::i32:
      return 4;
    case DType::bf16:
    case DType::f16:
      return 2;
    case DType::i64:
      return 8;
    case DType::u8:
    case DType::i8:
      return 1;
  }
  return 0;
}

constexpr bool is_floating(DType dtype) { return dtype == DType::f32 || dtype == DType::bf16 || dtype == DType::f16; }

}  // namespace pare
