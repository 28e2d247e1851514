// Internal to the answer comparison (math_value_compare.cpp, math_relation_compare.cpp,
// math_answer_compare.cpp): the trail of rules that made two things equal, value equality, and
// relations against sets. The gold side comes first in every call.
#pragma once

#include <string_view>
#include <vector>

#include "rewards/verifiers/math_answer.h"

namespace rlvr::rewards::math {

// Names of the rules used on the way to "equal" (string literals or Item::rewrite). A failed
// attempt rolls back what it noted (Attempt).
struct Why {
  std::vector<std::string_view> rules;
  void note(std::string_view rule) {
    if (!rule.empty()) rules.push_back(rule);
  }
};

// Runs one comparison; its notes are kept only when it returns true.
template <typename F>
bool attempt(Why& why, F&& compare) {
  size_t mark = why.rules.size();
  bool equal = compare();
  if (!equal) why.rules.resize(mark);
  return equal;
}

// Every element of xs equals some element of ys and the other way round.
template <typename T, typename Eq>
bool sets_equal(const std::vector<T>& xs, const std::vector<T>& ys, Why& why, Eq eq) {
  if (xs.empty() || ys.empty()) return xs.empty() && ys.empty();
  auto covered = [&](const std::vector<T>& as, const std::vector<T>& bs, bool gold_first) {
    for (const T& a : as) {
      bool found = false;
      for (const T& b : bs)
        if ((found = attempt(why, [&] { return gold_first ? eq(a, b) : eq(b, a); }))) break;
      if (!found) return false;
    }
    return true;
  };
  return covered(xs, ys, true) && covered(ys, xs, false);
}

bool value_equal(const Value& gold, const Value& pred, double tol, Why& why);

// Whether a value can stand for a set of reals: an interval, a union, or an open pair.
bool is_set_like(const Value& v);

// Two single relations that agree up to a constant factor (a positive one for inequalities).
bool relations_equivalent(const Item& gold, const Item& pred, double tol);

// A gold made of inequalities in one variable ("1 <= |z| <= 3/2", or "x < -2" and "x > 3"
// joined by "or") against a set of reals, compared by membership at sample points.
bool relations_match_set(const std::vector<Item>& gold, const Value& pred);

}  // namespace rlvr::rewards::math
