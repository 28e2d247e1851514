// Structured math answers: a list of items (order-free), each a value or a relation chain
// ("x = 5", "-2 <= x <= 7", "a \approx 3.01"); values are expressions, tuples, intervals,
// sets, unions and matrices. Comparison follows the public graders (Math-Verify first): labels
// are dropped ("k = 45" vs "45"), an equation chain means its last side, lists compare as sets,
// equations compare up to a constant factor, inequalities up to a positive one. The rules are
// listed in docs/verifiers_boxed_math.md; a comparison names the rules that decided it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewards/verifiers/math_expr.h"

namespace rlvr::rewards::math {

struct Value {
  enum class Kind { Expr, Tuple, Interval, Set, Matrix, Text };
  Kind kind = Kind::Text;
  std::optional<ExprTree> expr;  // Kind::Expr
  std::vector<Value> elems;      // Tuple, Interval (2), Set, Matrix (row-major)
  bool left_closed = false, right_closed = false;  // Interval
  size_t cols = 0;                                 // Matrix
  bool percent = false;  // Expr written as "28\%": expr is 28, the value either 28 or 0.28
  std::string text;      // compact source text, for Text and labels
};

struct Item {
  std::vector<Value> parts;            // parts[0] relations[0] parts[1] ...
  std::vector<std::string> relations;  // "=", "<", "<=", ">", ">=", "!=", "in", "approx"
  std::string rewrite;  // how parsing simplified it, e.g. "equation chain -> last side"
};

// A label names the answer instead of being part of it: "x", "a_{37}", "f(x)", "(p,q)",
// "\frac{NO}{BO}" - an expression without number literals.
bool is_label(const Value& v);

inline bool all_relations_are(const Item& item, std::string_view rel) {
  if (item.relations.empty()) return false;
  for (const std::string& r : item.relations)
    if (r != rel) return false;
  return true;
}

struct Answer {
  std::vector<Item> items;
  std::string normalized;  // after normalize_latex
  std::string compact;     // the normalized answer without spaces
  // "1,5" or "1000,99" read with a decimal comma, for comparison against a single number.
  std::optional<ExprTree> decimal_comma;
};

// Normalizes and parses an extracted answer. Never throws; unparseable parts become Text.
Answer parse_answer(std::string_view raw);

// True when every part parsed as math (no Text values) and the text does not read as prose
// (two words of three letters or more, or one such word next to a number): an answer.
bool is_all_math(const Answer& answer);

// is_all_math(parse_answer(s)): the extraction fallbacks' test of a candidate answer.
bool looks_like_answer(std::string_view s);

// Words of three letters or more that are not commands or function names ("Therefore").
bool reads_as_prose(std::string_view s);

struct Comparison {
  bool equal = false;
  std::string rule;  // the rules that decided, e.g. "percent -> fraction; as sets"
  bool out_of_budget = false;  // the work budget ran out (see work_budget.h): unequal
};

// gold first: a few rules are one-way, as in Math-Verify (a relation in the gold against a set
// in the prediction; a plain list in the gold against a tuple).
Comparison compare_answers(const Answer& gold, const Answer& pred, double rel_tol);

inline bool answers_equal(const Answer& gold, const Answer& pred, double rel_tol) {
  return compare_answers(gold, pred, rel_tol).equal;
}

}  // namespace rlvr::rewards::math
