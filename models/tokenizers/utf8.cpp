#include "models/tokenizers/utf8.h"

#include <utf8proc.h>

namespace pare::utf8 {

std::u32string decode_lossy(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  utf8proc_ssize_t pos = 0;
  while (pos < size) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t used = utf8proc_iterate(bytes + pos, size - pos, &cp);
    if (used <= 0) {
      // Skip only the first byte so a valid character right after a bad byte is kept.
      out.push_back(kReplacementCharacter);
      ++pos;
    } else {
      out.push_back(static_cast<char32_t>(cp));
      pos += used;
    }
  }
  return out;
}

void append(std::string& out, char32_t code_point) {
  utf8proc_uint8_t buffer[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code_point), buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(n));
}

std::string encode(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t cp : code_points) append(out, cp);
  return out;
}

std::optional<std::size_t> first_invalid_byte(std::string_view text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  for (utf8proc_ssize_t pos = 0; pos < size;) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t used = utf8proc_iterate(bytes + pos, size - pos, &cp);
    if (used <= 0) return static_cast<std::size_t>(pos);
    pos += used;
  }
  return std::nullopt;
}

std::string sanitize(std::string_view text) { return encode(decode_lossy(text)); }

std::size_t length(std::string_view text) {
  std::size_t n = 0;
  // Counting lead bytes is exact for valid UTF-8: continuation bytes are 10xxxxxx.
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace pare::utf8
