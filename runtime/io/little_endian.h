// Unsigned integers stored little-endian, as the zip, safetensors and pickle formats all store them.
#pragma once

#include <cstdint>

namespace pare {

// The `count` bytes at `bytes` (1 to 8) as a little-endian unsigned integer; byte by byte, so the
// bytes need no alignment and the host's byte order does not matter.
inline std::uint64_t read_little_endian(const unsigned char* bytes, int count) {
  std::uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace pare
