// Structured math answers: a list of items (order-free), each a value or a relation chain
// ("x = 5", "-2 <= x <= 7", "a \approx 3.01"); values are expressions, tuples, intervals,
// sets, unions and matrices. Comparison follows the public graders (Math-Verify, PRM800K):
// labels are dropped ("k = 45" vs "45"), lists compare as sets, equations compare up to a
// constant factor, inequalities up to a positive one.
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
  std::string text;                                // compact source text, for Text and labels
};

struct Item {
  std::vector<Value> parts;            // parts[0] relations[0] parts[1] ...
  std::vector<std::string> relations;  // "=", "<", "<=", ">", ">=", "!=", "in", "approx"
};

struct Answer {
  std::vector<Item> items;
  std::string normalized;  // after normalize_latex
  std::string compact;     // the normalized answer without spaces
};

// Normalizes and parses an extracted answer. Never throws; unparseable parts become Text.
Answer parse_answer(std::string_view raw);

// True when every part parsed as math (no Text values) and the text does not read as prose
// (two words of three letters or more, or one such word next to a number): an answer.
bool is_all_math(const Answer& answer);

bool answers_equal(const Answer& gold, const Answer& pred, double rel_tol);

}  // namespace rlvr::rewards::math
