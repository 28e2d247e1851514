// Multiple-choice letters in gold answers and completions (see multiple_choice.h).
#include "rewards/verifiers/multiple_choice.h"

#include <cctype>
#include <string>

#include "rewards/verifiers/latex_normalize.h"

namespace rlvr::rewards::math {
namespace {

// Golds longer than this are not searched for "the answer is (C)": solutions are not options.
constexpr size_t kMaxChoiceGoldBytes = 300;
// How far after "the answer is" the chosen letter may stand.
constexpr size_t kCueReach = 50;

bool is_option(char c) { return c >= 'A' && c <= 'E'; }
bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '\\'; }

// "C", "(C)", "\text{(C)}", "C." as the whole answer.
std::optional<char> lone_letter(std::string_view s) {
  if (s.size() > 32 || s.find_first_of("ABCDE") == std::string_view::npos) return std::nullopt;
  std::string compact;
  for (char c : normalize_latex(s))
    if (c != '(' && c != ')' && c != ' ' && c != ':') compact += c;
  if (compact.size() == 1 && is_option(compact[0])) return compact[0];
  return std::nullopt;
}

// An option letter opening the text: "C. x = 42", "(D) Alina", "C: 12"; with `word_after`
// also "C Cecile" (a letter, a space and a capitalised word: how option lists are written).
std::optional<char> leading_option(std::string_view text, bool word_after) {
  size_t i = text.find_first_not_of(" \n\t");
  if (i == std::string_view::npos) return std::nullopt;
  bool paren = text[i] == '(';
  if (paren) ++i;
  if (i >= text.size() || !is_option(text[i])) return std::nullopt;
  char letter = text[i++];
  if (paren) return i < text.size() && text[i] == ')' ? std::optional<char>(letter) : std::nullopt;
  if (i == text.size()) return std::nullopt;
  char next = text[i];
  if (next == '.' || next == ')' || next == ':') return letter;
  if (word_after && next == ' ' && i + 1 < text.size() && std::isupper(static_cast<unsigned char>(text[i + 1])))
    return letter;
  return std::nullopt;
}

bool standalone_option_at(std::string_view t, size_t k) {
  return is_option(t[k]) && (k == 0 || !is_word_char(t[k - 1])) && (k + 1 == t.size() || !is_word_char(t[k + 1]));
}

}  // namespace

std::optional<char> gold_choice(std::string_view gold) {
  if (auto letter = lone_letter(gold)) return letter;
  if (auto letter = leading_option(gold, true)) return letter;
  if (gold.size() > kMaxChoiceGoldBytes) return std::nullopt;
  // "Alina and the answer is\n(C) Cecile"
  size_t cue = answer_cue_end(gold);
  if (cue == std::string_view::npos) return std::nullopt;
  std::string_view rest = gold.substr(cue);
  if (auto letter = leading_option(rest, true)) return letter;
  return lone_letter(rest);
}

std::optional<char> chosen_letter(std::string_view completion, const std::optional<Extracted>& extracted,
                                  const ExtractOptions& options) {
  if (extracted) {
    if (auto letter = lone_letter(extracted->answer)) return letter;
    if (auto letter = leading_option(extracted->answer, false)) return letter;
    // A boxed or whole-math answer that is not a letter chose none ("\boxed{42}", "E*2").
    if (extracted->method != "answer_is" && extracted->method != "last_number") return std::nullopt;
  }
  if (auto letter = leading_option(completion, false)) return letter;
  std::string_view tail =
      completion.substr(completion.size() > kFallbackWindow ? completion.size() - kFallbackWindow : 0);
  if (options.answer_is) {
    size_t cue = answer_cue_end(tail);
    for (size_t k = cue; cue != std::string_view::npos && k < tail.size() && k < cue + kCueReach; ++k)
      if (standalone_option_at(tail, k)) return tail[k];
  }
  if (options.last_number)
    for (size_t k = tail.size(); k-- > 0;)
      if (standalone_option_at(tail, k)) return tail[k];
  return std::nullopt;
}

}  // namespace rlvr::rewards::math
