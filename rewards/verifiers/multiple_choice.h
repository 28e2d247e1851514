// Multiple-choice answers: a gold that names an option letter A-E ("C", "(C)", "\text{(C)}",
// "C. x = 42", "(D) Alina", "... the answer is (C) Cecile") and the letter a completion chose
// (its box, the option it opens with, the letter after "the answer is", or its last stand-alone
// option letter). Letters compare as letters: "C" equals "C. x = 42".
#pragma once

#include <optional>
#include <string_view>

#include "rewards/verifiers/answer_extraction.h"

namespace rlvr::rewards::math {

// The option letter a gold answer names, or nullopt when it is not a multiple-choice answer.
std::optional<char> gold_choice(std::string_view gold);

// The option letter a completion chose. `extracted` is what extract_answer found (if anything;
// a boxed or math answer that is not a letter chooses none); the cues after it follow `options`
// (answer_is: the letter after "the answer is"; last_number: the last option letter standing
// alone in the text).
std::optional<char> chosen_letter(std::string_view completion, const std::optional<Extracted>& extracted,
                                  const ExtractOptions& options);

}  // namespace rlvr::rewards::math
