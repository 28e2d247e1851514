// Answer extraction from completions and gold answers (see answer_extraction.h).
#include "rewards/verifiers/answer_extraction.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <vector>

namespace rlvr::rewards::math {
namespace {

constexpr int kMaxJoinedBoxes = 16;
// Longer digit runs are not numbers an answer is given as.
constexpr size_t kMaxNumberChars = 100;
// A gold this long that is not an answer itself is read as a worked solution.
constexpr size_t kMinSolutionBytes = 40;
constexpr size_t npos = std::string_view::npos;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

struct Span {
  size_t start;  // where "\boxed" begins
  size_t end;    // one past the answer's closing brace
  std::string_view content;
};

// The box command starting at or before `before`, searching backwards; npos when none. One
// backward pass over the backslashes (memrchr), so megabytes of text cost a few memory scans.
size_t find_box_before(std::string_view text, size_t before) {
  size_t end = before == npos || before >= text.size() ? text.size() : before + 1;
  while (end > 0) {
    const void* hit = memrchr(text.data(), '\\', end);
    if (hit == nullptr) return npos;
    size_t p = static_cast<const char*>(hit) - text.data();
    if (text.compare(p + 1, 5, "boxed") == 0 || text.compare(p + 1, 4, "fbox") == 0) return p;
    end = p;
  }
  return npos;
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

// Words in a gap that end the earlier box's claim (a correction or a conclusion follows).
bool ends_claim(std::string_view word) {
  static constexpr std::array<std::string_view, 22> kWords = {
      "no", "not", "wait", "but", "actually", "instead", "wrong", "mistake", "oops", "sorry", "correct",
      "correction", "rather", "hmm", "answer", "so", "therefore", "thus", "hence", "final", "finally", "is"};
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(kWords.begin(), kWords.end(), lower) != kWords.end();
}

// Whether two boxes with `gap` between them are one answer: a gap under 10 characters, or one
// under 70 with "and", "or", a comma or a semicolon ("\boxed{1} papers and \boxed{2} bins",
// "y_1 = \boxed{..} and y_2 = \boxed{..}"), unless it corrects or concludes ("no, wait",
// "so the answer is") or relates the boxes ("=").
bool boxes_join(std::string_view gap) {
  if (gap.size() >= 70) return false;
  std::string_view g = trim(gap);
  // A label assigned by the next box ("and y_2 = \boxed{...}") belongs to that box.
  if (!g.empty() && g.back() == '=') {
    size_t k = g.size() - 1;
    while (k > 0 && is_space(g[k - 1])) --k;
    size_t label_end = k;
    while (k > 0 && !is_space(g[k - 1]) && g[k - 1] != '$' && g[k - 1] != '(' && g[k - 1] != '[') --k;
    if (k == label_end || !is_alpha(g[k])) return false;
    g = g.substr(0, k);
  }
  bool separator = false;
  for (size_t i = 0; i < g.size();) {
    if (g[i] == '=') return false;
    separator |= g[i] == ',' || g[i] == ';';
    if (!is_alpha(g[i])) { ++i; continue; }
    size_t k = i;
    while (k < g.size() && is_alpha(g[k])) ++k;
    std::string_view word = g.substr(i, k - i);
    bool command = i > 0 && g[i - 1] == '\\';
    if (!command && ends_claim(word)) return false;
    separator |= !command && (word == "and" || word == "or");
    i = k;
  }
  return separator || gap.size() < 10;
}

// The last box, joined with the boxes before it (repeated contents once): "a, b".
std::optional<Span> last_boxed(std::string_view text, size_t max_bytes, std::string* joined) {
  size_t p = find_box_before(text, npos);
  std::optional<Span> last;
  // A box that does not parse (e.g. "\boxed" at the very end) is skipped for an earlier one.
  for (int tries = 0; p != npos && !(last = box_at(text, p, max_bytes)); ++tries) {
    if (p == 0 || tries >= kMaxJoinedBoxes) return std::nullopt;
    p = find_box_before(text, p - 1);
  }
  if (!last) return std::nullopt;
  std::vector<std::string_view> parts{last->content};
  Span first = *last;
  for (int n = 1; n < kMaxJoinedBoxes && first.start > 0; ++n) {
    size_t q = find_box_before(text, first.start - 1);
    if (q == npos) break;
    auto prev = box_at(text, q, max_bytes);
    if (!prev || prev->end > first.start || !boxes_join(text.substr(prev->end, first.start - prev->end))) break;
    if (trim(prev->content) != trim(parts.back())) parts.push_back(prev->content);
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

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether text at i starts with the lowercase cue, ignoring ASCII case.
bool cue_at(std::string_view text, size_t i, std::string_view cue) {
  if (text.size() - i < cue.size()) return false;
  for (size_t k = 0; k < cue.size(); ++k)
    if (ascii_lower(text[i + k]) != cue[k]) return false;
  return true;
}

// The statement from `i` to the end of its line or sentence (". " outside $...$), without
// quotes around it ("The final answer is \"$12$\".").
std::string_view statement_at(std::string_view text, size_t i, size_t max_bytes) {
  while (i < text.size() && (is_space(text[i]) || text[i] == ':')) ++i;
  size_t e = i;
  bool in_math = false;
  while (e < text.size() && text[e] != '\n' && e - i <= max_bytes) {
    if (text[e] == '$') in_math = !in_math;
    if (!in_math && text[e] == '.' && (e + 1 == text.size() || is_space(text[e + 1]))) break;
    ++e;
  }
  // A backslash stays when it opens "\(" / "\[" / a command, or closes "\)" / "\]".
  auto opens_math = [&](size_t k) {
    return k + 1 < e && (text[k + 1] == '(' || text[k + 1] == '[' || is_alpha(text[k + 1]));
  };
  auto closes_math = [&](size_t k) {
    return k >= i + 2 && text[k - 2] == '\\' && (text[k - 1] == ')' || text[k - 1] == ']');
  };
  while (e > i && (text[e - 1] == '"' || (text[e - 1] == '\\' && !closes_math(e)) || is_space(text[e - 1]))) --e;
  while (i < e && (text[i] == '"' || (text[i] == '\\' && !opens_math(i)))) ++i;
  if (e - i > max_bytes) return {};
  return text.substr(i, e - i);
}

// A math segment: its delimiters span [begin, end), its content is `inner`.
struct Segment {
  size_t begin = 0, end = 0;
  std::string_view inner;
};

// The first (or last) math segment of `text`: $$...$$ and \[...\] may span lines, $...$ and
// \(...\) may not (as Math-Verify reads inline math); "\$" is a dollar sign. Linear: once a
// search for a closing delimiter fails, openings of that kind before where it stopped fail too.
std::optional<Segment> math_segment(std::string_view text, bool want_last) {
  static constexpr std::array<std::string_view, 4> kClose = {"\\)", "\\]", "$", "$$"};
  std::array<size_t, 4> no_close_before{};  // per kind: no closing delimiter before this index
  std::optional<Segment> found;
  for (size_t i = 0; i < text.size();) {
    int kind = -1;
    if (text[i] == '\\' && i + 1 < text.size()) {
      kind = text[i + 1] == '(' ? 0 : text[i + 1] == '[' ? 1 : -1;
      if (kind < 0) {
        i += 2;
        continue;
      }
    } else if (text[i] == '$') {
      kind = i + 1 < text.size() && text[i + 1] == '$' ? 3 : 2;
    } else {
      ++i;
      continue;
    }
    std::string_view close = kClose[kind];
    size_t open_len = kind == 2 ? 1 : 2, from = i + open_len, c = npos;
    bool one_line = kind == 0 || kind == 2;
    if (from >= no_close_before[kind]) {
      size_t k = from;
      for (; k < text.size() && !(one_line && text[k] == '\n'); ++k) {
        if (text[k] == '\\' && kind >= 2) {  // "\$" inside dollars is a dollar sign
          ++k;
          continue;
        }
        if (text.compare(k, close.size(), close) == 0) break;
      }
      if (k < text.size() && text.compare(k, close.size(), close) == 0) c = k;
      else no_close_before[kind] = k;
    }
    if (c == npos) {
      i += open_len;
      continue;
    }
    Segment s{i, c + close.size(), text.substr(from, c - from)};
    i = s.end;
    if (trim(s.inner).empty()) continue;
    found = s;
    if (!want_last) break;
  }
  return found;
}

// A number at [begin, end): digits with '.', ',' or '/' between digit groups, a leading '-',
// not glued to a word before it ("AZYUK2A" has no number).
struct NumberSpan {
  size_t begin = 0, end = 0;
};

std::optional<NumberSpan> number_at(std::string_view text, size_t first_digit) {
  if (first_digit > 0 && is_alpha(text[first_digit - 1])) return std::nullopt;
  size_t e = first_digit;
  while (e < text.size() && (is_digit(text[e]) || ((text[e] == '.' || text[e] == ',' || text[e] == '/') &&
                                                  e + 1 < text.size() && is_digit(text[e + 1])))) {
    if (++e - first_digit > kMaxNumberChars) return std::nullopt;  // not a number anyone answers with
  }
  size_t b = first_digit > 0 && text[first_digit - 1] == '-' ? first_digit - 1 : first_digit;
  return NumberSpan{b, e};
}

std::optional<NumberSpan> last_number(std::string_view text) {
  for (size_t e = text.size(); e > 0;) {
    while (e > 0 && !is_digit(text[e - 1])) --e;
    if (e == 0) return std::nullopt;
    size_t s = e;
    while (s > 0 && e - s < 64 && (is_digit(text[s - 1]) || ((text[s - 1] == '.' || text[s - 1] == ',' ||
                                                             text[s - 1] == '/') && s >= 2 && is_digit(text[s - 2]))))
      --s;
    if (auto n = number_at(text, s)) return n;
    e = s;
  }
  return std::nullopt;
}

std::optional<NumberSpan> first_number(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i)
    if (is_digit(text[i]) && (i == 0 || !is_digit(text[i - 1])))
      if (auto n = number_at(text, i)) return n;
  return std::nullopt;
}

// The answer inside a statement that reads as prose: what follows its last " is " when that is
// an answer ("The volume of $V$ is 120"), else its first math or number ("Janeth aura encore
// 220 $ à payer d'ici 12 mois").
std::string_view answer_in_statement(std::string_view stmt, const ExtractOptions& options) {
  auto answer_like = [&](std::string_view s) {
    return options.looks_like_answer == nullptr || options.looks_like_answer(s);
  };
  if (answer_like(stmt)) return stmt;
  if (size_t is = stmt.rfind(" is "); is != npos && answer_like(trim(stmt.substr(is + 4))))
    return trim(stmt.substr(is + 4));
  auto math = math_segment(stmt, false);
  auto number = first_number(stmt);
  if (math && (!number || math->begin < number->begin)) return math->inner;
  if (number) return stmt.substr(number->begin, number->end - number->begin);
  return stmt;
}

std::optional<std::string> whole_answer(std::string_view text, const ExtractOptions& options) {
  std::string_view t = trim(text);
  if (t.empty() || t.size() > options.max_answer_bytes) return std::nullopt;
  bool delimited = t[0] == '$' || t.substr(0, 2) == "\\(" || t.substr(0, 2) == "\\[";
  if (delimited || options.looks_like_answer == nullptr || options.looks_like_answer(t)) return std::string(t);
  return std::nullopt;
}

// The later of the last math segment (when it is an answer) and the last number.
std::optional<Extracted> last_math_or_number(std::string_view text, const ExtractOptions& options) {
  std::optional<Segment> math;
  if (options.last_math) {
    math = math_segment(text, true);
    if (math && (math->inner.size() > options.max_answer_bytes ||
                 (options.looks_like_answer != nullptr && !options.looks_like_answer(math->inner))))
      math.reset();
  }
  std::optional<NumberSpan> number = options.last_number ? last_number(text) : std::nullopt;
  if (math && (!number || math->end >= number->end)) return Extracted{std::string(math->inner), "last_math"};
  if (number) return Extracted{std::string(text.substr(number->begin, number->end - number->begin)), "last_number"};
  return std::nullopt;
}

}  // namespace

size_t answer_cue_end(std::string_view text) {
  static constexpr std::array<std::string_view, 5> kCues = {"answer is", "answer:", "réponse:", "respuesta:",
                                                            "antwort:"};
  // One backward pass: only positions starting with a cue's first letter are compared.
  for (size_t i = text.size(); i-- > 0;) {
    char c = ascii_lower(text[i]);
    if (c != 'a' && c != 'r') continue;
    for (std::string_view cue : kCues)
      if (cue[0] == c && cue_at(text, i, cue)) return i + cue.size();
  }
  return npos;
}

std::optional<Extracted> extract_answer(std::string_view text, const ExtractOptions& options) {
  std::string joined;
  auto box = last_boxed(text, options.max_answer_bytes, &joined);
  // The fallbacks read the end of the text only: a completion of megabytes costs no more.
  size_t window_start = text.size() > kFallbackWindow ? text.size() - kFallbackWindow : 0;
  std::string_view tail = text.substr(window_start);
  if (options.answer_is) {
    // A "final answer is" statement after the last box overrides it.
    size_t cue = answer_cue_end(tail);
    if (cue != npos && (!box || window_start + cue > box->end)) {
      std::string_view stmt = statement_at(tail, cue, options.max_answer_bytes);
      if (!stmt.empty()) return Extracted{std::string(answer_in_statement(stmt, options)), "answer_is"};
    }
  }
  if (box) return Extracted{joined, "boxed"};
  if (options.whole)
    if (auto w = whole_answer(text, options)) return Extracted{*w, "whole"};
  return last_math_or_number(tail, options);
}

Extracted extract_gold(std::string_view gold, const ExtractOptions& options) {
  std::string joined;
  if (last_boxed(gold, 4096, &joined)) return {joined, "boxed"};
  if (size_t p = gold.rfind("####"); p != npos) return {std::string(trim(gold.substr(p + 4))), "gsm8k"};
  // A worked solution without a box: the answer it states, else its last math.
  if (gold.size() >= kMinSolutionBytes && options.looks_like_answer != nullptr && !options.looks_like_answer(gold)) {
    ExtractOptions stated = options;
    stated.answer_is = stated.last_math = true;
    stated.whole = stated.last_number = false;
    stated.max_answer_bytes = 4096;
    if (auto found = extract_answer(gold, stated)) return {found->answer, "stated"};
  }
  return {std::string(gold), "whole"};
}

}  // namespace rlvr::rewards::math
