// UTF-8 <-> code points for the tokenizers. Input text is never trusted: every byte sequence that is
// not valid UTF-8 (stray continuation bytes, truncated or overlong sequences, surrogates, values
// above U+10FFFF) decodes to U+FFFD, one per offending byte, so tokenizing never fails on bad bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pare::utf8 {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Code points of `text`; each invalid byte becomes U+FFFD.
std::u32string decode_lossy(std::string_view text);

// `text` re-encoded with each invalid byte replaced by U+FFFD (valid input comes back unchanged).
std::string sanitize(std::string_view text);

void append(std::string& out, char32_t code_point);
std::string encode(std::u32string_view code_points);

// The offset of the first byte of `text` that does not start a valid UTF-8 sequence; empty when the
// whole text is valid. For callers that refuse bad text instead of replacing it (libpare).
std::optional<std::size_t> first_invalid_byte(std::string_view text);

// Number of code points in valid UTF-8 `text`.
std::size_t length(std::string_view text);

}  // namespace pare::utf8
