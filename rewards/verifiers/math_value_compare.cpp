// Equality of values: numbers (exactly, a rounded decimal at its own precision, a percent as
// the number or as the fraction, within rel_tol), expressions at sample points, and shapes:
// tuples in order, sets in any order, intervals by endpoints and closedness, matrices by entry.
#include <algorithm>

#include "rewards/verifiers/math_compare.h"

namespace rlvr::rewards::math {
namespace {

// A decimal with this many digits after the point is a rounding of an exact fraction it
// rounds to (2.6667 for 8/3); shorter ones (0.333, 3.14) are only as good as rel_tol says.
constexpr int kMinRoundedDecimals = 4;
// A prediction with this many digits after the point is a value printed in full.
constexpr int kMinFullDecimals = 6;

constexpr Rational kOne{1, 1};
constexpr Rational kPercent{1, 100};

// "2.6667" against 8/3 (either side may be the decimal): the exact side rounds to the decimal.
bool rounded_decimal_equal(const ExprTree& a, const ExprTree& b) {
  for (auto [dec, exact] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    auto d = decimal_literal(*dec);
    if (!d || d->decimals < kMinRoundedDecimals) continue;
    auto v = evaluate_exact(*exact);
    if (v && rounds_to(*v, *d)) return true;
  }
  return false;
}

// A gold given rounded ("0.29") against a prediction printed in full ("0.290243531"): the
// prediction rounds to the gold at the gold's precision. A short prediction ("0.3") is a
// different answer, not a finer one.
bool rounds_to_gold(const ExprTree& gold, const ExprTree& pred) {
  auto g = decimal_literal(gold), p = decimal_literal(pred);
  return g && p && p->decimals >= std::max(kMinFullDecimals, g->decimals + 1) && rounds_to(p->value, *g);
}

bool numbers_equal(const Value& a, const Value& b, double tol, Why& why) {
  const ExprTree &x = *a.expr, &y = *b.expr;
  if (expressions_equal(x, y, tol)) {
    if (a.percent != b.percent) why.note("percent sign dropped");
    return true;
  }
  if (a.percent != b.percent) {
    bool equal = a.percent ? expressions_equal(x, y, tol, kPercent, kOne)
                           : expressions_equal(x, y, tol, kOne, kPercent);
    if (equal) {
      why.note("percent -> fraction");
      return true;
    }
  }
  if (a.percent == b.percent && rounded_decimal_equal(x, y)) {
    why.note("rounded decimal = exact value at its precision");
    return true;
  }
  if (a.percent == b.percent && rounds_to_gold(x, y)) {
    why.note("prediction rounds to the gold's decimals");
    return true;
  }
  return false;
}

bool lists_equal_in_order(const std::vector<Value>& a, const std::vector<Value>& b, double tol, Why& why) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!value_equal(a[i], b[i], tol, why)) return false;
  return true;
}

bool values_as_sets(const std::vector<Value>& a, const std::vector<Value>& b, double tol, Why& why) {
  return sets_equal(a, b, why, [&](const Value& x, const Value& y) { return value_equal(x, y, tol, why); });
}

// "(a, b)" is both a pair and an open interval.
bool is_open_pair(const Value& v) {
  return v.kind == Value::Kind::Tuple || (v.kind == Value::Kind::Interval && !v.left_closed && !v.right_closed);
}

}  // namespace

bool is_set_like(const Value& v) {
  if (v.kind == Value::Kind::Interval) return true;
  if (v.kind == Value::Kind::Tuple) return v.elems.size() == 2;
  if (v.kind != Value::Kind::Set || v.elems.empty()) return false;
  return std::all_of(v.elems.begin(), v.elems.end(), [](const Value& e) {
    return e.kind == Value::Kind::Expr || is_set_like(e);
  });
}

bool value_equal(const Value& a, const Value& b, double tol, Why& why) {
  using K = Value::Kind;
  if (!work_budget().spend()) return false;
  if (a.kind == K::Text || b.kind == K::Text) return a.text == b.text;
  if (a.kind == K::Expr && b.kind == K::Expr) return numbers_equal(a, b, tol, why);
  if (is_open_pair(a) && is_open_pair(b)) return lists_equal_in_order(a.elems, b.elems, tol, why);
  // A set in the gold against a tuple compares in any order; a tuple (or open pair) in the
  // gold against a set compares in the order the set was written, as Math-Verify does.
  if (a.kind == K::Set && b.kind == K::Tuple) {
    why.note("tuple read as a set");
    return values_as_sets(a.elems, b.elems, tol, why);
  }
  if (is_open_pair(a) && b.kind == K::Set) {
    why.note("set read as a tuple");
    return lists_equal_in_order(a.elems, b.elems, tol, why);
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case K::Interval:
      return a.left_closed == b.left_closed && a.right_closed == b.right_closed &&
             lists_equal_in_order(a.elems, b.elems, tol, why);
    case K::Set:
      return values_as_sets(a.elems, b.elems, tol, why);
    case K::Matrix:
      return a.cols == b.cols && lists_equal_in_order(a.elems, b.elems, tol, why);
    default:
      return false;
  }
}

}  // namespace rlvr::rewards::math
