// DType: the element types a tensor can hold. Declared at the bottom of the stack so that kernels that
// convert between types (kernels/copy.h) take the runtime's own enum.
#pragma once

#include <cstdint>

namespace pare {

// f32 is the compute type on CPU; bf16/f16 are storage and GPU compute types; i32/i64 hold ids and
// labels; u8 holds masks.
enum class DType : std::uint8_t { f32, bf16, f16, i32, i64, u8 };

}  // namespace pare
