// LaTeX answer normalization: turns the many ways of writing one math answer ("\dfrac12",
// "\$1,000.00", "90^\circ", "\text{ cm}") into one plain form that the math parser reads.
#pragma once

#include <string>
#include <string_view>

namespace rlvr::rewards::math {

// Longest answer (in bytes) we normalize and parse; longer ones compare as plain text.
inline constexpr size_t kMaxAnswerBytes = 4096;

// Strips $...$ / \(...\) / \[...\] wrappers, layout commands, units, currency, percent and
// degree signs, thousands separators, trailing periods; rewrites \dfrac/\tfrac/\cfrac to \frac.
std::string normalize_latex(std::string_view answer);

// Removes every whitespace character: the last-resort textual comparison.
std::string without_spaces(std::string_view s);

}  // namespace rlvr::rewards::math
