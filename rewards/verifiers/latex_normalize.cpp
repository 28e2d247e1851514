// LaTeX answer normalization: a single left-to-right pass over commands, then small textual
// clean-ups (units, thousands separators, trailing periods). Bounded: recursion only into
// \text{} groups, at most kMaxTextDepth deep.
#include "rewards/verifiers/latex_normalize.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace rlvr::rewards::math {
namespace {

constexpr int kMaxTextDepth = 4;

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Removes one layer of math delimiters around the whole answer, as often as there are.
std::string_view strip_math_delimiters(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kPairs = {{
      {"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}}};
  for (bool changed = true; changed;) {
    changed = false;
    s = trim(s);
    for (auto [open, close] : kPairs) {
      if (s.size() >= open.size() + close.size() && starts_with(s, open) && ends_with(s, close)) {
        s = s.substr(open.size(), s.size() - open.size() - close.size());
        changed = true;
        break;
      }
    }
  }
  return s;
}

// Index one past the '}' matching the '{' at s[open], or npos when unbalanced.
size_t match_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) { ++i; continue; }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

bool is_unit_word(std::string_view w) {
  static constexpr std::array<std::string_view, 52> kUnits = {
      "cm", "m", "km", "mm", "inch", "inches", "ft", "feet", "foot", "meter", "meters", "metre",
      "metres", "unit", "units", "degree", "degrees", "dollar", "dollars", "cent", "cents", "sq",
      "square", "hour", "hours", "minute", "minutes", "second", "seconds", "day", "days", "year",
      "years", "mile", "miles", "mph", "kg", "g", "pounds", "lbs", "cm2", "units2", "yards", "yard",
      "liters", "liter", "litres", "gallons", "hr", "hrs", "min", "sec"};
  return std::find(kUnits.begin(), kUnits.end(), w) != kUnits.end();
}

// "28 percent", "\text{percentage}": a percent sign in words.
bool is_percent_word(std::string_view w) { return w == "percent" || w == "percentage" || w == "pct"; }

// Commands whose brace argument is text: the argument is kept (or dropped when it is a unit).
bool is_text_command(std::string_view c) {
  static constexpr std::array<std::string_view, 12> kText = {
      "text", "textbf", "textit", "textrm", "textnormal", "mathrm", "mathbf", "mathit", "mbox",
      "operatorname", "boldsymbol", "mathsf"};
  return std::find(kText.begin(), kText.end(), c) != kText.end();
}

// What a command becomes; nullptr keeps it as written.
const char* command_replacement(std::string_view c) {
  struct Rule { std::string_view from; const char* to; };
  static constexpr std::array<Rule, 34> kRules = {{
      {"left", ""}, {"right", ""}, {"bigl", ""}, {"bigr", ""}, {"Bigl", ""}, {"Bigr", ""},
      {"big", ""}, {"Big", ""}, {"displaystyle", ""}, {"textstyle", ""}, {"quad", " "},
      {"qquad", " "}, {"dfrac", "\\frac"}, {"tfrac", "\\frac"}, {"cfrac", "\\frac"},
      {"dbinom", "\\binom"}, {"tbinom", "\\binom"}, {"cdot", "*"}, {"times", "*"}, {"ast", "*"},
      {"div", "/"}, {"le", "<="}, {"leq", "<="}, {"leqslant", "<="}, {"ge", ">="}, {"geq", ">="},
      {"geqslant", ">="}, {"ne", "!="}, {"neq", "!="}, {"lt", "<"}, {"gt", ">"}, {"circ", ""},
      {"degree", ""}, {"dots", ""}}};
  for (const auto& r : kRules)
    if (r.from == c) return r.to;
  return nullptr;
}

void normalize_into(std::string_view s, std::string& out, int depth);

// Whether the text so far ends with a digit, ignoring trailing blanks.
bool ends_with_number(std::string_view out) {
  std::string_view t = trim(out);
  return !t.empty() && is_digit(t.back());
}

void append_text_group(std::string_view inner, std::string& out, int depth) {
  std::string_view word = trim(inner);
  if (word == "and" || word == "or" || word == ",") {
    out += ',';
    return;
  }
  if (is_percent_word(word)) {
    out += '%';
    return;
  }
  if (is_unit_word(word)) return;
  // "3 \text{ apples}": words after a number name what is counted (a unit of some kind).
  if (ends_with_number(out) && !word.empty() &&
      std::all_of(word.begin(), word.end(), [](char c) { return is_alpha(c) || c == ' '; }))
    return;
  if (depth >= kMaxTextDepth) {
    out.append(inner);
    return;
  }
  normalize_into(inner, out, depth + 1);
}

void normalize_into(std::string_view s, std::string& out, int depth) {
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      size_t j = i + 1;
      // "\\frac", "\\{" written with a doubled backslash (escaped twice upstream) mean "\frac",
      // "\{"; a doubled backslash before anything else is a matrix row break.
      bool doubled = s[j] == '\\' && j + 1 < s.size();
      if (doubled && (is_alpha(s[j + 1]) || (s[j + 1] != '\0' && std::strchr("{}%$,!;:", s[j + 1]) != nullptr))) ++j;
      if (!is_alpha(s[j])) {
        const char n = s[j];
        if (n == '%') {
          out += '%';
          i = j + 1;
        } else if (n == '$' || n == ',' || n == '!' || n == ';' || n == ':' || is_space(n)) {
          i = j + 1;  // spacing and escaped currency disappear
          // "11,\! 111": a thin space used as a thousands separator takes the following blank with it.
          if (n == '!' || n == ',')
            while (i < s.size() && s[i] == ' ') ++i;
        } else {
          out += '\\';
          out += n;
          i = j + 1;
        }
        continue;
      }
      size_t k = j;
      while (k < s.size() && is_alpha(s[k])) ++k;
      std::string_view name = s.substr(j, k - j);
      if (is_text_command(name)) {
        size_t p = k;
        while (p < s.size() && is_space(s[p])) ++p;
        if (p < s.size() && s[p] == '{') {
          size_t end = match_brace(s, p);
          if (end != std::string_view::npos) {
            std::string_view inner = s.substr(p + 1, end - p - 2);
            append_text_group(inner, out, depth);
            i = end;
            // "12 \mbox{cm}^2": a dropped unit takes its power with it.
            if (is_unit_word(trim(inner)))
              for (std::string_view power : {"^{2}", "^{3}", "^2", "^3"})
                if (s.substr(i, power.size()) == power) {
                  i += power.size();
                  break;
                }
            continue;
          }
        }
        i = k;  // a bare \text without a group: drop the command
        continue;
      }
      if (const char* to = command_replacement(name)) {
        out += to;
      } else {
        out += '\\';
        out.append(name);
        if (k < s.size() && is_alpha(s[k])) out += ' ';
      }
      i = k;
      continue;
    }
    // UTF-8 degree sign, euro and pound signs.
    if (c == '\xc2' && i + 1 < s.size() && (s[i + 1] == '\xb0' || s[i + 1] == '\xa3')) { i += 2; continue; }
    if (c == '\xe2' && s.substr(i, 3) == "\xe2\x82\xac") { i += 3; continue; }
    if (c == '$') { ++i; continue; }
    if (c == '~' || c == '\n' || c == '\t' || c == '\r') { out += ' '; ++i; continue; }
    out += c;
    ++i;
  }
}

// "1,000,000" -> "1000000" when the groups are exactly three digits and the first does not
// start with 0 (so "0,111" and tuples like "(1,2)" are left alone). Inside brackets one group is
// not enough: "(12,102)" is a pair.
std::string drop_thousands_separators(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    if (is_digit(s[i]) && s[i] != '0' && (i == 0 || (!is_digit(s[i - 1]) && s[i - 1] != '.'))) {
      size_t j = i;
      while (j < s.size() && is_digit(s[j]) && j - i < 4) ++j;
      size_t lead = j - i;
      size_t end = j, groups = 0;
      while (lead <= 3 && end + 3 < s.size() + 0 && s[end] == ',' && is_digit(s[end + 1]) &&
             is_digit(s[end + 2]) && is_digit(s[end + 3]) &&
             (end + 4 >= s.size() || !is_digit(s[end + 4]))) {
        end += 4;
        ++groups;
      }
      if (groups > (depth > 0 ? 1u : 0u) && lead <= 3) {
        for (size_t k = i; k < end; ++k)
          if (s[k] != ',') out += s[k];
        i = end;
        continue;
      }
      out.append(s, i, j - i);
      i = j;
      continue;
    }
    if (s[i] == '(' || s[i] == '[' || s[i] == '{') ++depth;
    if (s[i] == ')' || s[i] == ']' || s[i] == '}') --depth;
    out += s[i++];
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Removes unit words (and their ^2/^3) after a quantity, in one comma-separated chunk.
std::string_view strip_trailing_units(std::string_view chunk) {
  for (int round = 0; round < 3; ++round) {
    std::string_view t = trim(chunk);
    if (ends_with(t, "^2") || ends_with(t, "^3")) t.remove_suffix(2);
    if (ends_with(t, "^{2}") || ends_with(t, "^{3}")) t.remove_suffix(4);
    size_t k = t.size();
    while (k > 0 && is_alpha(t[k - 1])) --k;
    std::string_view word = t.substr(k), before = trim(t.substr(0, k));
    if (word.empty() || !is_unit_word(word) || before.empty()) return chunk;
    char last = before.back();
    if (!is_digit(last) && last != '}' && last != ')' && last != '.') return chunk;
    if (k > 0 && t[k - 1] == '\\') return chunk;  // a command such as \sec, not a unit
    chunk = before;
  }
  return chunk;
}

// Chunks end at every comma, in brackets too ("{35 cm, 4}").
std::string strip_units_per_chunk(const std::string& s) {
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      out.append(strip_trailing_units(std::string_view(s).substr(start, i - start)));
      if (i < s.size()) out += ',';
      start = i + 1;
    }
  }
  return out;
}

// Drops groups that carry nothing: "{,}" and "{ , }" (a thousands separator in TeX), "^{}".
std::string drop_empty_groups(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    bool power = s[i] == '^' && i + 1 < s.size() && s[i + 1] == '{';
    if (s[i] == '{' || power) {
      size_t k = i + (power ? 2 : 1);
      while (k < s.size() && s[k] == ' ') ++k;
      bool comma = !power && k < s.size() && s[k] == ',';
      if (comma)
        for (++k; k < s.size() && s[k] == ' ';) ++k;
      if ((comma || power) && k < s.size() && s[k] == '}') {
        i = k + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// Words that are operators: "and" / "or" separate answers (also glued between a number or a
// bracket and a name, "1orW(x)=-1"), "percent" / "pct" is a percent sign, "infinity" is \infty.
std::string rewrite_words(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (!is_alpha(s[i])) {
      out += s[i++];
      continue;
    }
    size_t k = i;
    while (k < s.size() && is_alpha(s[k])) ++k;
    std::string_view word(s.data() + i, k - i);
    if (i > 0 && s[i - 1] == '\\') {  // a command name
      out.append(word);
      i = k;
      continue;
    }
    char before = i > 0 ? s[i - 1] : ' ';
    bool after_value = is_digit(before) || before == ')' || before == ']' || before == '}';
    size_t connective = 0;
    for (std::string_view c : {"and", "or"}) {
      bool glued = after_value && word.size() > c.size() && word.substr(0, c.size()) == c;
      if (word == c || glued) connective = c.size();
    }
    if (connective > 0) {
      out += ',';
      i += connective;
    } else {
      if (is_percent_word(word)) out += '%';
      else if (word == "infinity" || word == "inf") out += "\\infty";
      else out.append(word);
      i = k;
    }
  }
  return out;
}

// "\begin{array}{cc}": the column specification is layout.
void drop_array_column_specs(std::string& s) {
  static constexpr std::string_view kArray = "\\begin{array}";
  for (size_t p = s.find(kArray); p != std::string::npos; p = s.find(kArray, p + 1)) {
    size_t open = p + kArray.size();
    if (open >= s.size() || s[open] != '{') continue;
    size_t close = s.find('}', open);
    if (close != std::string::npos &&
        s.find_first_not_of("lcr| ", open + 1) == close)
      s.erase(open, close + 1 - open);
  }
}

// A "\}" or "$" left at the end of a box ("\boxed{5\}}") without its opening partner.
void drop_stray_set_brace(std::string& s) {
  if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\\}") == 0 && s.find("\\{") == std::string::npos)
    s.erase(s.size() - 2);
  else if (s.size() >= 2 && s.compare(0, 2, "\\{") == 0 && s.find("\\}") == std::string::npos)
    s.erase(0, 2);
}

}  // namespace

std::string without_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (!is_space(c)) out += c;
  return out;
}

std::string normalize_latex(std::string_view answer) {
  if (answer.size() > kMaxAnswerBytes) return std::string(answer.substr(0, kMaxAnswerBytes));
  std::string s;
  s.reserve(answer.size());
  normalize_into(strip_math_delimiters(answer), s, 0);
  s = std::string(strip_math_delimiters(drop_empty_groups(s)));
  // Trailing sentence punctuation and dangling "^" left by a removed \circ.
  while (!s.empty() && (s.back() == '.' || s.back() == '^' || s.back() == '\\' || is_space(s.back()))) {
    if (s.back() == '.' && s.size() >= 2 && s[s.size() - 2] == '\\') break;
    if (s.back() == '\\' && s.size() >= 2 && s[s.size() - 2] == '\\') break;
    s.pop_back();
  }
  while (!s.empty() && is_space(s.front())) s.erase(0, 1);
  s = strip_units_per_chunk(drop_thousands_separators(rewrite_words(s)));
  s = std::string(trim(s));
  drop_array_column_specs(s);
  drop_stray_set_brace(s);
  // "1 000 000": space-grouped thousands, only when that is the whole answer.
  if (s.size() > 4 && std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == ' '; })) {
    bool grouped = s.find(' ') < 4 && s[0] != ' ';
    for (size_t p = s.find(' '); grouped && p != std::string::npos; p = s.find(' ', p + 1))
      grouped = p + 4 <= s.size() && all_digits(std::string_view(s).substr(p + 1, 3)) &&
                (p + 4 == s.size() || s[p + 4] == ' ');
    if (grouped) s = without_spaces(s);
  }
  // "0,111": a decimal comma when the answer is just one such number.
  if (s.size() > 2 && s[0] == '0' && s[1] == ',' && all_digits(std::string_view(s).substr(2))) s[1] = '.';
  return s;
}

}  // namespace rlvr::rewards::math
