// UTF-8 helpers for the tokenizers: validation, one code point at a time, and lossy repair.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rlvr {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one (bad lead byte,
// bad or missing continuation, overlong form, surrogate, beyond U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i);

// The byte offset of the first invalid sequence, or npos when s is valid UTF-8.
size_t utf8_find_invalid(std::string_view s);

// s with every maximal invalid subpart replaced by U+FFFD (the Unicode-recommended practice that
// Rust's String::from_utf8_lossy and the WHATWG decoder follow, as Hugging Face decode does).
std::string utf8_lossy(std::string_view s);

void append_utf8(std::string& out, char32_t code_point);

}  // namespace rlvr
