// Finding the final answer in a completion: the last \boxed{...} / \fbox{...} (joined with the
// boxes just before it when only "and", commas or \quad separate them), and optional fallbacks
// ("The answer is ...", the last $...$ math, the last number). Linear in the text length.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rlvr::rewards::math {

struct ExtractOptions {
  bool answer_is = false;    // "the final answer is X" / "Answer: X"
  bool whole = false;        // the whole completion, when it is short and is an answer itself
  bool last_math = false;    // the last $...$, \(...\) or \[...\]
  bool last_number = false;  // the last number in the text
  size_t max_answer_bytes = 2000;
  // Decides whether a candidate is an answer rather than prose (for whole and last_math).
  bool (*looks_like_answer)(std::string_view) = nullptr;
};

struct Extracted {
  std::string answer;
  std::string method;  // "boxed", "answer_is", "last_math", "whole", "last_math", "last_number", "gsm8k"
};

std::optional<Extracted> extract_answer(std::string_view text, const ExtractOptions& options);

// A gold answer: a boxed answer inside it, the part after GSM8K's "####", or the whole string.
Extracted extract_gold(std::string_view gold);

}  // namespace rlvr::rewards::math
