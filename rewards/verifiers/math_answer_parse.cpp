// Parsing of structured answers: top-level splitting on commas, \cup and relations, bracket
// shapes (tuple, interval, set), matrices, and \pm expansion. Splitting is linear per level and
// nesting is bounded by kMaxValueDepth, so hostile answers cannot recurse without bound.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "rewards/verifiers/latex_normalize.h"
#include "rewards/verifiers/math_answer.h"

namespace rlvr::rewards::math {
namespace {

constexpr int kMaxValueDepth = 8;
constexpr size_t kMaxItems = 64;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool opens(char c) { return c == '(' || c == '[' || c == '{'; }
bool closes(char c) { return c == ')' || c == ']' || c == '}'; }

// Splits s at top-level occurrences of any separator (brackets of all kinds nest together,
// so "[0,7)" is one piece). Returns the pieces and which separator followed each.
std::vector<std::string_view> split_top(std::string_view s, const std::vector<std::string_view>& seps,
                                        std::vector<std::string_view>* found = nullptr) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      depth += s[i + 1] == '{' ? 1 : -1;
      ++i;
      continue;
    }
    if (s.compare(i, 7, "\\begin{") == 0) ++depth;
    if (s.compare(i, 5, "\\end{") == 0) --depth;
    if (opens(c)) ++depth;
    if (closes(c)) --depth;
    if (depth != 0) continue;
    for (std::string_view sep : seps) {
      if (s.compare(i, sep.size(), sep) != 0) continue;
      // A command separator must not be the prefix of a longer command (\in vs \infty).
      if (sep[0] == '\\' && i + sep.size() < s.size() && std::isalpha(static_cast<unsigned char>(s[i + sep.size()])))
        continue;
      parts.push_back(s.substr(start, i - start));
      if (found) found->push_back(sep);
      i += sep.size() - 1;
      start = i + 1;
      break;
    }
    if (parts.size() > kMaxItems) break;
  }
  parts.push_back(s.substr(start));
  return parts;
}

// Index of the bracket closing the one at s[0], counting all bracket kinds, or npos.
size_t closing_of_first(std::string_view s) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (opens(s[i])) ++depth;
    if (closes(s[i]) && --depth == 0) return i;
  }
  return std::string_view::npos;
}

Value parse_value(std::string_view s, int depth);
std::optional<Value> parse_matrix(std::string_view s, int depth);

std::vector<Value> parse_list(std::string_view inner, int depth) {
  std::vector<Value> out;
  for (std::string_view piece : split_top(inner, {",", ";"})) {
    piece = trim(piece);
    if (!piece.empty()) out.push_back(parse_value(piece, depth + 1));
  }
  return out;
}

Value text_value(std::string_view s) {
  Value v;
  v.kind = Value::Kind::Text;
  v.text = without_spaces(s);
  return v;
}

std::optional<Value> parse_matrix(std::string_view s, int depth) {
  if (s.substr(0, 7) != "\\begin{") return std::nullopt;
  size_t name_end = s.find('}');
  if (name_end == std::string_view::npos) return std::nullopt;
  std::string_view env = s.substr(7, name_end - 7);
  std::string end_tag = "\\end{" + std::string(env) + "}";
  size_t end = s.rfind(end_tag);
  if (end == std::string_view::npos || trim(s.substr(end + end_tag.size())) != "") return std::nullopt;
  Value m;
  m.kind = Value::Kind::Matrix;
  m.text = without_spaces(s);
  for (std::string_view row : split_top(s.substr(name_end + 1, end - name_end - 1), {"\\\\"})) {
    if (trim(row).empty()) continue;
    size_t cols = 0;
    for (std::string_view cell : split_top(row, {"&"})) {
      m.elems.push_back(parse_value(trim(cell), depth + 1));
      ++cols;
    }
    if (m.cols != 0 && m.cols != cols) return std::nullopt;
    m.cols = cols;
  }
  return m;
}

// The numeric entries of a matrix, or nullopt when one is not a number.
std::optional<std::vector<Complex>> numeric_entries(const Value& m) {
  std::vector<Complex> out;
  for (const Value& e : m.elems) {
    if (e.kind != Value::Kind::Expr) return std::nullopt;
    Complex z = evaluate(*e.expr, {});
    if (!std::isfinite(z.real()) || !std::isfinite(z.imag())) return std::nullopt;
    out.push_back(z);
  }
  return out;
}

Value matrix_of(const std::vector<Complex>& entries, size_t cols, std::string_view source) {
  Value m;
  m.kind = Value::Kind::Matrix;
  m.cols = cols;
  m.text = without_spaces(source);
  for (Complex z : entries) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", z.real());
    Value e;
    e.kind = Value::Kind::Expr;
    e.expr = parse_expression(buf);
    e.text = buf;
    if (!e.expr || z.imag() != 0) e.kind = Value::Kind::Text;
    m.elems.push_back(std::move(e));
  }
  return m;
}

// "A + B" and "A B" for numeric matrix literals: the sum of products, evaluated.
std::optional<Value> parse_matrix_arithmetic(std::string_view s, int depth) {
  if (s.substr(0, 7) != "\\begin{" || s.find("\\begin{", 7) == std::string_view::npos) return std::nullopt;
  std::optional<std::vector<Complex>> total;
  size_t rows = 0, cols = 0;
  for (std::string_view term : split_top(s, {"+"})) {
    term = trim(term);
    std::optional<std::vector<Complex>> product;
    size_t prows = 0, pcols = 0;
    while (!term.empty()) {
      size_t name_end = term.find('}');
      if (term.substr(0, 7) != "\\begin{" || name_end == std::string_view::npos) return std::nullopt;
      std::string end_tag = "\\end{" + std::string(term.substr(7, name_end - 7)) + "}";
      size_t end = term.find(end_tag);
      if (end == std::string_view::npos) return std::nullopt;
      auto m = parse_matrix(term.substr(0, end + end_tag.size()), depth);
      auto entries = m ? numeric_entries(*m) : std::nullopt;
      if (!entries || m->cols == 0) return std::nullopt;
      size_t r = entries->size() / m->cols, c = m->cols;
      if (!product) {
        product = entries, prows = r, pcols = c;
      } else {
        if (pcols != r) return std::nullopt;
        std::vector<Complex> next(prows * c);
        for (size_t i = 0; i < prows; ++i)
          for (size_t j = 0; j < c; ++j)
            for (size_t k = 0; k < r; ++k) next[i * c + j] += (*product)[i * pcols + k] * (*entries)[k * c + j];
        product = std::move(next), pcols = c;
      }
      term = trim(term.substr(end + end_tag.size()));
      if (!term.empty() && term[0] == '*') term = trim(term.substr(1));
    }
    if (!product) return std::nullopt;
    if (!total) {
      total = product, rows = prows, cols = pcols;
    } else {
      if (rows != prows || cols != pcols) return std::nullopt;
      for (size_t i = 0; i < total->size(); ++i) (*total)[i] += (*product)[i];
    }
  }
  if (!total) return std::nullopt;
  return matrix_of(*total, cols, s);
}

Value parse_value(std::string_view s, int depth) {
  s = trim(s);
  if (depth > kMaxValueDepth || s.empty()) return text_value(s);
  if (auto m = parse_matrix_arithmetic(s, depth)) return *m;
  if (auto m = parse_matrix(s, depth)) return *m;
  // A union of intervals or sets is a set of its parts.
  if (auto pieces = split_top(s, {"\\cup"}); pieces.size() > 1) {
    Value u;
    u.kind = Value::Kind::Set;
    u.text = without_spaces(s);
    for (auto p : pieces) u.elems.push_back(parse_value(p, depth + 1));
    return u;
  }
  if (s.size() >= 4 && s.substr(0, 2) == "\\{" && s.substr(s.size() - 2) == "\\}") {
    Value set;
    set.kind = Value::Kind::Set;
    set.text = without_spaces(s);
    set.elems = parse_list(s.substr(2, s.size() - 4), depth);
    return set;
  }
  if (s.size() >= 2 && opens(s[0]) && closes(s.back()) && closing_of_first(s) == s.size() - 1) {
    std::string_view inner = s.substr(1, s.size() - 2);
    if (s[0] != '{' && trim(inner).substr(0, 7) == "\\begin{") return parse_value(inner, depth + 1);
    std::vector<Value> elems = parse_list(inner, depth);
    if (s[0] == '{' && s.back() == '}' && elems.size() > 1) {
      Value set;
      set.kind = Value::Kind::Set;
      set.text = without_spaces(s);
      set.elems = std::move(elems);
      return set;
    }
    if (elems.size() >= 2 && s[0] != '{') {
      Value v;
      bool interval = elems.size() == 2 && (s[0] == '[' || s.back() == ']');
      v.kind = interval ? Value::Kind::Interval : Value::Kind::Tuple;
      v.left_closed = s[0] == '[';
      v.right_closed = s.back() == ']';
      v.text = without_spaces(s);
      v.elems = std::move(elems);
      return v;
    }
  }
  Value v;
  v.text = without_spaces(s);
  // "28%": the number, marked; the comparison reads it as 28 or as 0.28.
  v.percent = s.size() > 1 && s.back() == '%';
  v.expr = parse_expression(v.percent ? trim(s.substr(0, s.size() - 1)) : s);
  v.kind = v.expr ? Value::Kind::Expr : Value::Kind::Text;
  return v;
}

// "x = 5+5+1 = 7 = 11" is x = 11 and "1 = y = 0" is 0 (a chain means its last side);
// "1/3 \approx 0.33" is 1/3 and "x \approx 11" is x = 11 (approximations are dropped).
void reduce_chain(Item& item) {
  auto first_is_label = [&] { return is_label(item.parts[0]); };
  auto it = std::find(item.relations.begin(), item.relations.end(), "approx");
  if (it != item.relations.end()) {
    size_t r = it - item.relations.begin();
    size_t keep = r == 0 && first_is_label() ? 2 : r + 1;  // the parts before the approximations
    item.parts.resize(keep);
    item.relations.resize(keep - 1);
    if (keep == 2 && r == 0) item.relations[0] = "=";
    item.rewrite = "approximation dropped";
  }
  if (item.parts.size() >= 3 && all_relations_are(item, "=")) {
    Value last = item.parts.back();
    if (first_is_label()) {
      item.parts.resize(1);
      item.parts.push_back(std::move(last));
      item.relations = {"="};
    } else {
      item.parts = {std::move(last)};
      item.relations.clear();
    }
    item.rewrite = "equation chain -> last side";
  }
}

Item parse_item(std::string_view s) {
  static const std::vector<std::string_view> kRelations = {"<=", ">=", "!=", "\\approx", "\\in", "=", "<", ">"};
  std::vector<std::string_view> rels;
  std::vector<std::string_view> parts = split_top(s, kRelations, &rels);
  Item item;
  for (auto p : parts) item.parts.push_back(parse_value(p, 0));
  for (auto r : rels) item.relations.emplace_back(r[0] == '\\' ? r.substr(1) : r);
  reduce_chain(item);
  return item;
}

bool is_assignment(const Item& item) {
  return item.relations.size() == 1 && item.relations[0] == "=" && item.parts[0].kind == Value::Kind::Expr &&
         is_label(item.parts[0]);
}

// "p=5, q=2; p=7, q=2": a run of assignments to different labels is one tuple,
// (p, q) = (5, 2); a label seen again in the run starts the next tuple.
std::vector<Item> group_assignments(std::vector<Item> items) {
  std::vector<Item> out;
  size_t run = 0;  // items in out that form the current run
  auto flush = [&] {
    if (run >= 2) {
      Item grouped;
      Value labels, values;
      labels.kind = values.kind = Value::Kind::Tuple;
      for (size_t k = out.size() - run; k < out.size(); ++k) {
        labels.text += (labels.text.empty() ? "" : ",") + out[k].parts[0].text;
        labels.elems.push_back(std::move(out[k].parts[0]));
        values.elems.push_back(std::move(out[k].parts[1]));
      }
      labels.text = "(" + labels.text + ")";
      out.resize(out.size() - run);
      grouped.parts = {std::move(labels), std::move(values)};
      grouped.relations = {"="};
      grouped.rewrite = "assignments -> tuple";
      out.push_back(std::move(grouped));
    }
    run = 0;
  };
  for (Item& item : items) {
    bool repeated = is_assignment(item) && std::any_of(out.end() - run, out.end(), [&](const Item& o) {
                      return o.parts[0].text == item.parts[0].text;
                    });
    if (!is_assignment(item) || repeated) flush();
    bool assignment = is_assignment(item);
    out.push_back(std::move(item));
    if (assignment) ++run;
  }
  flush();
  return out;
}

// "1,5" or "1000,99" as one number with a decimal comma (thousands separators are gone by now).
std::optional<ExprTree> decimal_comma_reading(std::string_view s) {
  size_t comma = s.find(',');
  if (comma == std::string_view::npos || comma == 0 || comma + 1 >= s.size()) return std::nullopt;
  std::string_view whole = s.substr(s[0] == '-' ? 1 : 0, comma - (s[0] == '-' ? 1 : 0)), frac = s.substr(comma + 1);
  auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || !digits(frac)) return std::nullopt;
  std::string dotted(s);
  dotted[comma] = '.';
  return parse_expression(dotted);
}

// "1 \pm \sqrt{19}" stands for two answers; the first two \pm (or \mp) signs expand, into at
// most four variants (a third stays and the variants do not parse).
std::vector<std::string> expand_plus_minus(const std::string& s) {
  std::vector<std::string> out{s};
  for (int round = 0; round < 2; ++round) {
    std::vector<std::string> next;
    for (const std::string& v : out) {
      size_t p = std::min(v.find("\\pm"), v.find("\\mp"));
      if (p == std::string::npos) {
        next.push_back(v);
        continue;
      }
      for (const char* sign : {"+", "-"}) next.push_back(v.substr(0, p) + sign + v.substr(p + 3));
    }
    out = std::move(next);
  }
  return out;
}

bool value_is_math(const Value& v) {
  if (v.kind == Value::Kind::Text) return false;
  for (const Value& e : v.elems)
    if (!value_is_math(e)) return false;
  return true;
}

}  // namespace

bool is_label(const Value& v) {
  if (v.kind == Value::Kind::Expr) return !v.expr->has_number_literal() && !v.expr->symbols().empty();
  if (v.kind == Value::Kind::Tuple)
    return std::all_of(v.elems.begin(), v.elems.end(), [](const Value& e) { return is_label(e); });
  return false;
}

bool reads_as_prose(std::string_view s) {
  static const std::vector<std::string_view> kMathWords = {"sin", "cos", "tan", "sec", "csc", "cot", "log",
                                                           "exp", "sqrt", "arcsin", "arccos", "arctan", "pmatrix", "bmatrix",
                                                           "vmatrix", "matrix", "array", "cases"};
  int words = 0;
  bool digits = false;
  for (size_t i = 0; i < s.size();) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) digits = true;
    if (!std::isalpha(static_cast<unsigned char>(s[i]))) { ++i; continue; }
    size_t k = i;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    std::string_view word = s.substr(i, k - i);
    bool command = i > 0 && s[i - 1] == '\\';
    if (!command && word.size() >= 3 && std::find(kMathWords.begin(), kMathWords.end(), word) == kMathWords.end())
      ++words;
    i = k;
  }
  return words >= 2 || (words == 1 && digits);
}

bool is_all_math(const Answer& answer) {
  if (answer.items.empty() || reads_as_prose(answer.normalized)) return false;
  for (const Item& item : answer.items)
    for (const Value& v : item.parts)
      if (!value_is_math(v)) return false;
  return true;
}

bool looks_like_answer(std::string_view s) { return is_all_math(parse_answer(s)); }

Answer parse_answer(std::string_view raw) {
  Answer answer;
  std::string norm = normalize_latex(raw);
  answer.normalized = norm;
  answer.compact = without_spaces(norm);
  for (std::string_view chunk : split_top(norm, {",", ";"})) {
    chunk = trim(chunk);
    if (chunk.empty()) continue;
    for (const std::string& variant : expand_plus_minus(std::string(chunk))) {
      if (answer.items.size() >= kMaxItems) break;
      answer.items.push_back(parse_item(variant));
    }
  }
  answer.items = group_assignments(std::move(answer.items));
  answer.decimal_comma = decimal_comma_reading(answer.normalized);
  return answer;
}

}  // namespace rlvr::rewards::math
