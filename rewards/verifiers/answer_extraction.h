// Finding the final answer in a completion: the last \boxed{...} / \fbox{...} (joined with the
// boxes just before it when a short gap such as "and", a comma or a unit word separates them),
// and optional fallbacks ("The answer is ...", the last $...$ math or the last number, whichever
// comes later). Linear in the text length; the fallbacks read only the last kFallbackWindow bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rlvr::rewards::math {

// How far back from the end the fallbacks look (the box search reads the whole text).
inline constexpr size_t kFallbackWindow = 64 * 1024;

struct ExtractOptions {
  bool answer_is = false;    // "the final answer is X" / "Answer: X"
  bool whole = false;        // the whole completion, when it is short and is an answer itself
  bool last_math = false;    // the last $...$, \(...\) or \[...\]
  bool last_number = false;  // the last number in the text
  size_t max_answer_bytes = 2000;
  // Decides whether a candidate is an answer rather than prose (for whole, last_math and the
  // statement after "the answer is").
  bool (*looks_like_answer)(std::string_view) = nullptr;
};

struct Extracted {
  std::string answer;
  std::string method;  // "boxed", "answer_is", "last_math", "whole", "last_number", "gsm8k", "choice"
};

std::optional<Extracted> extract_answer(std::string_view text, const ExtractOptions& options);

// A gold answer: its final boxed answer, the part after GSM8K's "####", the answer a worked
// solution states ("The final answer is $28\%$") when the gold reads as prose, or the whole
// string.
Extracted extract_gold(std::string_view gold, const ExtractOptions& options);

// Where the statement after "the answer is" / "Answer:" starts (the last such cue), or npos.
size_t answer_cue_end(std::string_view text);

}  // namespace rlvr::rewards::math
