// The alignment of an operand's address, as cuBLASLt's algorithm choice must be told it: its plans
// assume 256-byte alignment unless the preference says less, and an operand that is a view at an odd
// offset (a batch entry, a pruned width) then fails or faults. Host code, tested on the CPU.
#pragma once

#include <cstdint>

namespace pare::kernels::cuda {

// The largest power of two, at most 256, that divides the address (256 for null).
constexpr std::uint32_t address_alignment(std::uintptr_t address) {
  std::uint32_t alignment = 1;
  while (alignment < 256 && address % (2 * alignment) == 0) alignment *= 2;
  return alignment;
}
inline std::uint32_t address_alignment(const void* p) { return address_alignment(reinterpret_cast<std::uintptr_t>(p)); }

// cuBLASLt's bias epilogue reads the bias vector in 16-byte loads: a bias less aligned goes another way.
constexpr std::uint32_t kBiasEpilogueAlignment = 16;

}  // namespace pare::kernels::cuda
