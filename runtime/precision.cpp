#include "runtime/precision.h"

#include "runtime/error.h"

namespace pare {
namespace {

thread_local Precision current = Precision::f32;

}  // namespace

Precision parse_precision(const std::string& name) {
  if (name == "f32") return Precision::f32;
  if (name == "bf16") return Precision::bf16;
  throw Error("precision must be f32 or bf16, got \"" + name + "\"");
}

std::string precision_name(Precision precision) { return precision == Precision::bf16 ? "bf16" : "f32"; }

Precision matmul_precision() { return current; }

MatmulPrecisionScope::MatmulPrecisionScope(Precision precision) : previous_(current) { current = precision; }

MatmulPrecisionScope::~MatmulPrecisionScope() { current = previous_; }

}  // namespace pare
