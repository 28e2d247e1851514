// The boxed_math verifier: extraction, then structured math comparison with the gold answer.
#include "rewards/verifiers/boxed_math.h"

#include "common/error.h"
#include "rewards/options.h"
#include "rewards/verifiers/math_answer.h"
#include "rewards/verifiers/multiple_choice.h"

namespace rlvr::rewards {
namespace {

// Detail strings stay short: long answers are cut with "...".
std::string shorten(std::string_view s, size_t n = 80) {
  std::string out;
  for (char c : s.substr(0, n)) out += (c == '\n' || c == '\r' || c == '\0') ? ' ' : c;
  if (s.size() > n) out += "...";
  return out;
}

}  // namespace

BoxedMathOptions parse_boxed_math_options(const nlohmann::json& options) {
  OptionReader r(options, "boxed_math");
  BoxedMathOptions o;
  o.rel_tol = r.number("rel_tol", o.rel_tol);
  RLVR_OPTION_CHECK(o.rel_tol >= 0 && o.rel_tol < 1, "rel_tol", "option 'rel_tol' of boxed_math must be in [0, 1), got ",
                    o.rel_tol);
  for (const std::string& f : r.strings("fallback")) {
    if (f == "answer_is") o.extract.answer_is = true;
    else if (f == "whole") o.extract.whole = true;
    else if (f == "last_math") o.extract.last_math = true;
    else if (f == "last_number") o.extract.last_number = true;
    else RLVR_OPTION_FAIL("fallback", "bad option 'fallback' of boxed_math: unknown strategy '", f,
                          "' (expected answer_is, whole, last_math, last_number)");
  }
  o.answer_field = r.string("answer_field", o.answer_field);
  r.reject_unknown();
  return o;
}

std::unique_ptr<Verifier> make_boxed_math_verifier(const nlohmann::json& options) {
  return std::make_unique<BoxedMathVerifier>(parse_boxed_math_options(options));
}

Verdict BoxedMathVerifier::grade(std::string_view gold_text, std::string_view completion) const {
  auto pred = math::extract_answer(completion, options_.extract);
  // Multiple choice: letters compare as letters ("C" and "C. x = 42").
  if (auto letter = math::gold_choice(gold_text)) {
    if (auto chosen = math::chosen_letter(completion, pred, options_.extract)) {
      bool equal = *chosen == *letter;
      std::string detail = "chose option " + std::string(1, *chosen) + " vs gold option " + std::string(1, *letter) +
                           " ('" + shorten(gold_text) + "'): multiple-choice letters " + (equal ? "equal" : "differ");
      return {equal ? 1.0 : 0.0, equal ? status::kCorrect : status::kWrong, detail};
    }
  }
  math::Extracted gold = math::extract_gold(gold_text, options_.extract);
  if (!pred) {
    bool boxed = completion.find("\\boxed") != std::string_view::npos ||
                 completion.find("\\fbox") != std::string_view::npos;
    std::string why = boxed ? "no usable \\boxed{} answer (empty, or over " +
                                  std::to_string(options_.extract.max_answer_bytes) + " bytes)"
                            : "no \\boxed{} answer";
    return {0.0, status::kNoAnswer, why + "; gold '" + shorten(gold.answer) + "'"};
  }
  math::WorkBudgetScope budget;
  math::Answer g = math::parse_answer(gold.answer);
  math::Answer p = math::parse_answer(pred->answer);
  math::Comparison c = math::compare_answers(g, p, options_.rel_tol);
  std::string verdict = c.equal ? "equal after " + c.rule
                        : c.out_of_budget
                            ? "work budget exhausted (" + std::to_string(math::kWorkBudgetSteps) + " steps): unequal"
                            : "not equal";
  std::string detail = "extracted '" + shorten(pred->answer) + "' (" + pred->method + ") vs gold '" +
                       shorten(gold.answer) + "': " + verdict;
  return {c.equal ? 1.0 : 0.0, c.equal ? status::kCorrect : status::kWrong, detail};
}

Verdict BoxedMathVerifier::verify(const Sample& sample) const {
  auto it = sample.row.find(options_.answer_field);
  RLVR_CHECK(it != sample.row.end(), "rewards", "boxed_math: the row has no field '", options_.answer_field, "'");
  std::string gold = it->is_string() ? it->get<std::string>() : it->dump();
  return grade(gold, sample.completion);
}

}  // namespace rlvr::rewards
