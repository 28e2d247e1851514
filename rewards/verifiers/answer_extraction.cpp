// Answer extraction from completions and gold answers (see answer_extraction.h).
#include "rewards/verifiers/answer_extraction.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace rlvr::rewards::math {
namespace {

constexpr int kMaxJoinedBoxes = 16;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Span {
  size_t start;  // where "\boxed" begins
  size_t end;    // one past the answer's closing brace
  std::string_view content;
};

// The box command starting at or before `before`, searching backwards; npos when none.
size_t find_box_before(std::string_view text, size_t before) {
  size_t best = std::string_view::npos;
  for (std::string_view cmd : {"\\boxed", "\\fbox"}) {
    size_t p = text.rfind(cmd, before);
    if (p != std::string_view::npos && (best == std::string_view::npos || p > best)) best = p;
  }
  return best;
}

std::optional<Span> box_at(std::string_view text, size_t start, size_t max_bytes) {
  size_t i = start + (text.compare(start, 6, "\\boxed") == 0 ? 6 : 5);
  while (i < text.size() && is_space(text[i])) ++i;
  if (i >= text.size()) return std::nullopt;
  if (text[i] != '{') {
    // "\boxed 5": the argument runs to the next space or '$'.
    size_t e = i;
    while (e < text.size() && !is_space(text[e]) && text[e] != '$') ++e;
    if (e == i || e - i > max_bytes) return std::nullopt;
    return Span{start, e, text.substr(i, e - i)};
  }
  int depth = 0;
  size_t limit = std::min(text.size(), i + max_bytes + 2);
  for (size_t k = i; k < limit; ++k) {
    if (text[k] == '\\' && k + 1 < limit) { ++k; continue; }
    if (text[k] == '{') ++depth;
    if (text[k] == '}' && --depth == 0) return Span{start, k + 1, text.substr(i + 1, k - i - 1)};
  }
  // Unbalanced: the rest of the text (when short enough) is the answer.
  if (text.size() - i - 1 <= max_bytes) return Span{start, text.size(), text.substr(i + 1)};
  return std::nullopt;
}

// Whether the text between two boxes only joins them: "and", ",", "\quad", "\text{...}".
bool is_connector(std::string_view gap) {
  if (gap.size() > 200) return false;
  for (size_t i = 0; i < gap.size();) {
    char c = gap[i];
    if (is_space(c) || c == ',' || c == ';' || c == '$' || c == '.') { ++i; continue; }
    if (gap.compare(i, 3, "and") == 0) { i += 3; continue; }
    if (gap.compare(i, 2, "or") == 0) { i += 2; continue; }
    if (gap.compare(i, 2, "\\(") == 0 || gap.compare(i, 2, "\\)") == 0 || gap.compare(i, 2, "\\[") == 0 ||
        gap.compare(i, 2, "\\]") == 0 || gap.compare(i, 2, "\\,") == 0) { i += 2; continue; }
    if (gap.compare(i, 6, "\\qquad") == 0) { i += 6; continue; }
    if (gap.compare(i, 5, "\\quad") == 0) { i += 5; continue; }
    if (gap.compare(i, 6, "\\text{") == 0) {
      size_t close = gap.find('}', i);
      if (close == std::string_view::npos) return false;
      i = close + 1;
      continue;
    }
    return false;
  }
  return true;
}

std::optional<Span> last_boxed(std::string_view text, size_t max_bytes, std::string* joined) {
  size_t p = find_box_before(text, std::string_view::npos);
  std::optional<Span> last;
  // A box that does not parse (e.g. "\boxed" at the very end) is skipped for an earlier one.
  for (int tries = 0; p != std::string_view::npos && !(last = box_at(text, p, max_bytes)); ++tries) {
    if (p == 0 || tries >= kMaxJoinedBoxes) return std::nullopt;
    p = find_box_before(text, p - 1);
  }
  if (!last) return std::nullopt;
  std::vector<std::string_view> parts{last->content};
  Span first = *last;
  for (int n = 1; n < kMaxJoinedBoxes && first.start > 0; ++n) {
    size_t q = find_box_before(text, first.start - 1);
    if (q == std::string_view::npos) break;
    auto prev = box_at(text, q, max_bytes);
    if (!prev || prev->end > first.start || !is_connector(text.substr(prev->end, first.start - prev->end))) break;
    parts.push_back(prev->content);
    first = *prev;
  }
  std::reverse(parts.begin(), parts.end());
  joined->clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) joined->append(", ");
    joined->append(parts[i]);
  }
  if (joined->size() > max_bytes) return std::nullopt;
  return last;
}

// Case-insensitive search for the last occurrence of a lowercase needle.
size_t rfind_nocase(std::string_view text, std::string_view needle) {
  if (needle.size() > text.size()) return std::string_view::npos;
  for (size_t i = text.size() - needle.size() + 1; i-- > 0;) {
    bool match = true;
    for (size_t k = 0; k < needle.size() && match; ++k)
      match = std::tolower(static_cast<unsigned char>(text[i + k])) == static_cast<unsigned char>(needle[k]);
    if (match) return i;
  }
  return std::string_view::npos;
}

std::optional<std::pair<size_t, std::string>> answer_is(std::string_view text, size_t max_bytes) {
  size_t best = std::string_view::npos, skip = 0;
  for (std::string_view cue : {"answer is", "answer:", "réponse:", "respuesta:", "antwort:"}) {
    size_t p = rfind_nocase(text, cue);
    if (p != std::string_view::npos && (best == std::string_view::npos || p > best)) best = p, skip = cue.size();
  }
  if (best == std::string_view::npos) return std::nullopt;
  size_t i = best + skip;
  while (i < text.size() && (is_space(text[i]) || text[i] == ':')) ++i;
  size_t e = i;
  // The answer ends at a line break or at a sentence end (". " outside $...$).
  bool in_math = false;
  while (e < text.size() && text[e] != '\n' && e - i <= max_bytes) {
    if (text[e] == '$') in_math = !in_math;
    if (!in_math && text[e] == '.' && (e + 1 == text.size() || is_space(text[e + 1]))) break;
    ++e;
  }
  // Quotes around the answer ("The final answer is \"$12$\".") are not part of it.
  while (e > i && (text[e - 1] == '"' || text[e - 1] == '\\' || is_space(text[e - 1]))) --e;
  while (i < e && (text[i] == '"' || text[i] == '\\') && !(text[i] == '\\' && i + 1 < e && std::isalpha(static_cast<unsigned char>(text[i + 1])))) ++i;
  if (e == i || e - i > max_bytes) return std::nullopt;
  return std::pair{best, std::string(text.substr(i, e - i))};
}

std::optional<std::string> last_math(std::string_view text, size_t max_bytes) {
  size_t best_end = 0;
  std::optional<std::string> best;
  for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"\\(", "\\)"}, {"\\[", "\\]"}, {"$", "$"}}) {
    size_t c = text.rfind(close);
    if (c == std::string_view::npos || c == 0) continue;
    size_t o = text.rfind(open, c - 1);
    if (o == std::string_view::npos) continue;
    std::string_view inner = text.substr(o + open.size(), c - o - open.size());
    if (inner.size() > max_bytes || inner.find_first_not_of(" \n\t") == std::string_view::npos) continue;
    if (c >= best_end) best_end = c, best = std::string(inner);
  }
  return best;
}

std::optional<std::string> last_number(std::string_view text) {
  size_t e = text.size();
  while (e > 0 && !is_digit(text[e - 1])) --e;
  if (e == 0) return std::nullopt;
  size_t s = e;
  while (s > 0 && e - s < 64 && (is_digit(text[s - 1]) || text[s - 1] == '.' || text[s - 1] == ',' ||
                                  text[s - 1] == '/'))
    --s;
  while (s < e && (text[s] == ',' || text[s] == '/')) ++s;
  if (s > 0 && text[s - 1] == '-') --s;
  return std::string(text.substr(s, e - s));
}

}  // namespace

std::optional<Extracted> extract_answer(std::string_view text, const ExtractOptions& options) {
  std::string joined;
  auto box = last_boxed(text, options.max_answer_bytes, &joined);
  if (options.answer_is) {
    // A "final answer is" statement after the last box overrides it.
    auto stated = answer_is(text, options.max_answer_bytes);
    if (stated && (!box || stated->first > box->end)) return Extracted{stated->second, "answer_is"};
  }
  if (box) return Extracted{joined, "boxed"};
  auto looks_like_answer = [&](std::string_view s) {
    return options.looks_like_answer == nullptr || options.looks_like_answer(s);
  };
  if (options.whole && text.size() <= options.max_answer_bytes && text.find_first_not_of(" \n\t") != std::string_view::npos) {
    std::string_view t = text.substr(text.find_first_not_of(" \n\t"));
    bool delimited = t[0] == '$' || t.substr(0, 2) == "\\(" || t.substr(0, 2) == "\\[";
    if (delimited || looks_like_answer(t)) return Extracted{std::string(t), "whole"};
  }
  if (options.last_math)
    if (auto m = last_math(text, options.max_answer_bytes); m && looks_like_answer(*m)) return Extracted{*m, "last_math"};
  if (options.last_number)
    if (auto n = last_number(text)) return Extracted{*n, "last_number"};
  return std::nullopt;
}

Extracted extract_gold(std::string_view gold) {
  std::string joined;
  if (last_boxed(gold, 4096, &joined)) return {joined, "boxed"};
  if (size_t p = gold.rfind("####"); p != std::string_view::npos) {
    std::string_view rest = gold.substr(p + 4);
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    while (!rest.empty() && is_space(rest.back())) rest.remove_suffix(1);
    return {std::string(rest), "gsm8k"};
  }
  return {std::string(gold), "whole"};
}

}  // namespace rlvr::rewards::math
