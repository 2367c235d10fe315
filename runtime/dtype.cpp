#include "runtime/dtype.h"

#include "runtime/error.h"

namespace pare {

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "F32";
    case DType::bf16:
      return "BF16";
    case DType::f16:
      return "F16";
    case DType::i32:
      return "I32";
    case DType::i64:
      return "I64";
    case DType::u8:
      return "U8";
    case DType::i8:
      return "I8";
  }
  throw Error("dtype_name: invalid dtype");
}

DType dtype_from_name(std::string_view name) {
  for (DType d : {DType::f32, DType::bf16, DType::f16, DType::i32, DType::i64, DType::u8, DType::i8}) {
    if (dtype_name(d) == name) return d;
  }
  throw Error(detail::concat("unknown dtype '", name, "' (supported: F32, BF16, F16, I32, I64, U8, I8)"));
}

}  // namespace pare
