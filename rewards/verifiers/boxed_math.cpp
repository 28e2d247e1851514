// The boxed_math verifier: extraction, then structured math comparison with the gold answer.
#include "rewards/verifiers/boxed_math.h"

#include "common/error.h"
#include "rewards/options.h"
#include "rewards/verifiers/latex_normalize.h"
#include "rewards/verifiers/math_answer.h"

namespace rlvr::rewards {
namespace {

// Detail strings stay short: long answers are cut with "...".
std::string shorten(std::string_view s, size_t n = 80) {
  std::string out;
  for (char c : s.substr(0, n)) out += (c == '\n' || c == '\r' || c == '\0') ? ' ' : c;
  if (s.size() > n) out += "...";
  return out;
}

// The option letter when a gold answer is one of A-E (possibly "(C)" or "\\text{C}").
std::optional<char> choice_letter(std::string_view gold) {
  std::string compact;
  for (char c : math::normalize_latex(gold))
    if (c != '(' && c != ')' && c != ' ') compact += c;
  if (compact.size() == 1 && compact[0] >= 'A' && compact[0] <= 'E') return compact[0];
  return std::nullopt;
}

std::optional<char> leading_choice(std::string_view text) {
  size_t i = text.find_first_not_of(" \n\t(");
  if (i == std::string_view::npos || i + 1 >= text.size() || text[i] < 'A' || text[i] > 'E') return std::nullopt;
  char next = text[i + 1];
  if (next == '.' || next == ')' || next == ':') return text[i];
  return std::nullopt;
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
  o.extract.looks_like_answer = [](std::string_view s) { return math::is_all_math(math::parse_answer(s)); };
  r.reject_unknown();
  return o;
}

std::unique_ptr<Verifier> make_boxed_math_verifier(const nlohmann::json& options) {
  return std::make_unique<BoxedMathVerifier>(parse_boxed_math_options(options));
}

Verdict BoxedMathVerifier::grade(std::string_view gold_text, std::string_view completion) const {
  math::Extracted gold = math::extract_gold(gold_text);
  auto pred = math::extract_answer(completion, options_.extract);
  // Multiple choice: a gold "C" and a completion that opens with "C." / "(C)" / "C:".
  if (auto letter = choice_letter(gold.answer); letter && (!pred || pred->method != "boxed")) {
    if (auto chosen = leading_choice(completion)) pred = math::Extracted{std::string(1, *chosen), "choice"};
  }
  if (!pred) return {0.0, status::kNoAnswer, "no \\boxed{} answer; gold '" + shorten(gold.answer) + "'"};
  math::Answer g = math::parse_answer(gold.answer);
  math::Answer p = math::parse_answer(pred->answer);
  bool equal = math::answers_equal(g, p, options_.rel_tol);
  std::string detail = "extracted '" + shorten(pred->answer) + "' (" + pred->method + ") vs gold '" +
                       shorten(gold.answer) + "'";
  return {equal ? 1.0 : 0.0, equal ? status::kCorrect : status::kWrong, detail};
}

Verdict BoxedMathVerifier::verify(const Sample& sample) const {
  auto it = sample.row.find(options_.answer_field);
  RLVR_CHECK(it != sample.row.end(), "rewards", "boxed_math: the row has no field '", options_.answer_field, "'");
  std::string gold = it->is_string() ? it->get<std::string>() : it->dump();
  return grade(gold, sample.completion);
}

}  // namespace rlvr::rewards
